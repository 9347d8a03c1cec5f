/* sig.c — canonical ABI signatures and core export names of resolved WIT
 * functions. */
#include "abi/abi.h"

#include <stdio.h>

bool loam_abi_sig_of(const loam_wit_func *f, loam_abi_sig *sig, const loam_type **buf,
                     size_t cap) {
  if ((size_t)f->nparams + f->nresults > cap) return false;
  for (uint32_t i = 0; i < f->nparams; i++) buf[i] = f->params[i].type;
  for (uint32_t i = 0; i < f->nresults; i++) buf[f->nparams + i] = f->results[i].type;
  sig->nparams = f->nparams;
  sig->params = buf;
  sig->nresults = f->nresults;
  sig->results = buf + f->nparams;
  return true;
}

size_t loam_abi_export_name(const char *iface_id, const loam_wit_func *f, char *buf,
                            size_t cap) {
  int n = iface_id ? snprintf(buf, cap, "%s#%s", iface_id, f->core_name)
                   : snprintf(buf, cap, "%s", f->core_name);
  return n < 0 ? 0 : (size_t)n;
}
