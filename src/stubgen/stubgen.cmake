# src/stubgen/stubgen.cmake — build rules of the stub generator: the
# repository's wit/deps are embedded into loamcore (witdeps.c .incbin's them),
# so stubs and the executor ship the same golem:rpc / wasi:io WIT.
set(LOAM_WIT_DEPS_DIR ${CMAKE_SOURCE_DIR}/wit/deps)
set_source_files_properties(${CMAKE_SOURCE_DIR}/src/stubgen/witdeps.c PROPERTIES
  COMPILE_DEFINITIONS LOAM_WIT_DEPS_DIR="${LOAM_WIT_DEPS_DIR}"
  OBJECT_DEPENDS "${LOAM_WIT_DEPS_DIR}/golem-rpc/types.wit;${LOAM_WIT_DEPS_DIR}/wasi-io/poll.wit")
