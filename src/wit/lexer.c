/* lexer.c — turns WIT source into tokens, tracking line/column, skipping
 * comments (block comments nest) and keeping doc comments for the parser. */
#include "wit/lexer.h"
#include <string.h>

const char *wit_tok_name(wit_tok t) {
  static const char *const names[] = {
      "end of file", "identifier", "'{'", "'}'", "'('", "')'", "'<'", "'>'",
      "','", "':'", "';'", "'='", "'.'", "'/'", "'@'", "'->'", "'*'", "'_'",
      "integer",
  };
  return (unsigned)t < sizeof names / sizeof names[0] ? names[t] : "token";
}

void wit_lex_init(wit_lexer *lx, wit_ctx *cx, const char *file, const char *src,
                  size_t len) {
  memset(lx, 0, sizeof *lx);
  lx->cx = cx;
  lx->file = file;
  lx->src = src;
  lx->len = len;
  lx->line = 1;
  lx->col = 1;
  wit_lex_next(lx);
}

static int peekc(const wit_lexer *lx, size_t ahead) {
  return lx->at + ahead < lx->len ? (unsigned char)lx->src[lx->at + ahead] : -1;
}

static wit_pos here(const wit_lexer *lx);

/* Moves one byte on; NUL bytes are refused everywhere, comments included,
 * so that every string the lexer keeps is a whole C string. */
static void advance(wit_lexer *lx) {
  if (lx->at >= lx->len) return;
  if (lx->src[lx->at] == '\0') wit_fail(lx->cx, here(lx), "unexpected byte 0x00");
  if (lx->src[lx->at] == '\n') {
    lx->line++;
    lx->col = 1;
  } else if (((unsigned char)lx->src[lx->at] & 0xC0) != 0x80) {
    lx->col++;   /* columns count characters, not UTF-8 continuation bytes */
  }
  lx->at++;
}

static wit_pos here(const wit_lexer *lx) {
  return (wit_pos){lx->file, lx->line, lx->col};
}

/* Appends a doc line to the pending doc text. */
static void add_doc(wit_lexer *lx, const char *s, size_t n, const char **docs) {
  wit_ctx *cx = lx->cx;
  if (!*docs) {
    *docs = wit_strdup(cx, s, n);
    return;
  }
  size_t old = strlen(*docs);
  char *d = wit_new(cx, old + n + 2);
  memcpy(d, *docs, old);
  d[old] = '\n';
  memcpy(d + old + 1, s, n);
  *docs = d;
}

static void line_comment(wit_lexer *lx, const char **docs) {
  bool doc = peekc(lx, 2) == '/' && peekc(lx, 3) != '/';
  advance(lx);
  advance(lx);
  if (doc) advance(lx);
  if (doc && peekc(lx, 0) == ' ') advance(lx);
  size_t start = lx->at;
  while (lx->at < lx->len && lx->src[lx->at] != '\n') advance(lx);
  size_t end = lx->at;
  if (end > start && lx->src[end - 1] == '\r') end--;
  if (doc) add_doc(lx, lx->src + start, end - start, docs);
}

/* Splits the body of a doc block comment into lines without their leading
 * blanks and '*' margin; blank first and last lines are dropped. */
static void block_docs(wit_lexer *lx, size_t start, size_t end, const char **docs) {
  const char *s = lx->src;
  size_t i = start;
  bool first = true;
  while (i <= end) {
    size_t e = i;
    while (e < end && s[e] != '\n') e++;
    size_t b = i;
    while (b < e && (s[b] == ' ' || s[b] == '\t')) b++;
    if (b < e && s[b] == '*') {
      b++;
      if (b < e && s[b] == ' ') b++;
    }
    size_t t = e;
    while (t > b && (s[t - 1] == ' ' || s[t - 1] == '\t' || s[t - 1] == '\r')) t--;
    bool last = e >= end;
    if (!((first || last) && t == b)) add_doc(lx, s + b, t - b, docs);
    first = false;
    i = e + 1;
    if (last) break;
  }
}

static void block_comment(wit_lexer *lx, const char **docs) {
  wit_pos start = here(lx);
  bool doc = peekc(lx, 2) == '*' && peekc(lx, 3) != '*' && peekc(lx, 3) != '/';
  advance(lx);
  advance(lx);
  if (doc) advance(lx);
  size_t body = lx->at;
  unsigned depth = 1;
  while (depth) {
    if (lx->at >= lx->len) wit_fail(lx->cx, start, "unterminated block comment");
    if (peekc(lx, 0) == '/' && peekc(lx, 1) == '*') {
      if (++depth > 1000) wit_fail(lx->cx, start, "block comments nested too deeply");
      advance(lx);
      advance(lx);
    } else if (peekc(lx, 0) == '*' && peekc(lx, 1) == '/') {
      depth--;
      advance(lx);
      advance(lx);
    } else {
      advance(lx);
    }
  }
  if (doc) block_docs(lx, body, lx->at - 2, docs);
}

static bool is_idchar(int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static void lex_ident(wit_lexer *lx) {
  wit_pos pos = here(lx);
  bool escaped = peekc(lx, 0) == '%';
  if (escaped) advance(lx);
  size_t start = lx->at;
  while (is_idchar(peekc(lx, 0))) advance(lx);
  size_t n = lx->at - start;
  if (!wit_valid_label(lx->src + start, n))
    wit_fail(lx->cx, pos, "invalid identifier `%.*s`: identifiers are kebab-case "
             "words of lowercase or uppercase letters and digits, each starting "
             "with a letter", (int)(n > 64 ? 64 : n), lx->src + start);
  lx->tok = TK_ID;
  lx->escaped = escaped;
  lx->text = wit_strdup(lx->cx, lx->src + start, n);
}

bool wit_valid_label(const char *s, size_t n) {
  if (n == 0) return false;
  size_t i = 0;
  while (i < n) {
    char c = s[i];
    bool lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z';
    if (!lower && !upper) return false;
    for (i++; i < n && s[i] != '-'; i++) {
      char d = s[i];
      bool ok = (d >= '0' && d <= '9') || (lower ? (d >= 'a' && d <= 'z')
                                                 : (d >= 'A' && d <= 'Z'));
      if (!ok) return false;
    }
    if (i < n) {        /* a '-' must be followed by another word */
      i++;
      if (i == n) return false;
    }
  }
  return true;
}

static void skip_blank(wit_lexer *lx, const char **docs) {
  for (;;) {
    int c = peekc(lx, 0);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      advance(lx);
    } else if (c == '/' && peekc(lx, 1) == '/') {
      line_comment(lx, docs);
    } else if (c == '/' && peekc(lx, 1) == '*') {
      block_comment(lx, docs);
    } else {
      return;
    }
  }
}

void wit_lex_next(wit_lexer *lx) {
  const char *docs = NULL;
  skip_blank(lx, &docs);
  lx->docs = docs;
  lx->pos = here(lx);
  lx->text = NULL;
  lx->escaped = false;
  int c = peekc(lx, 0);
  if (c < 0) {
    lx->tok = TK_EOF;
    return;
  }
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '%') {
    lex_ident(lx);
    return;
  }
  if (c >= '0' && c <= '9') {
    size_t start = lx->at;
    while (peekc(lx, 0) >= '0' && peekc(lx, 0) <= '9') advance(lx);
    lx->tok = TK_INT;
    lx->text = wit_strdup(lx->cx, lx->src + start, lx->at - start);
    return;
  }
  static const char punct[] = "{}()<>,:;=./@*_";
  static const wit_tok toks[] = {TK_LBRACE, TK_RBRACE, TK_LPAREN, TK_RPAREN,
                                 TK_LT, TK_GT, TK_COMMA, TK_COLON, TK_SEMI,
                                 TK_EQ, TK_DOT, TK_SLASH, TK_AT, TK_STAR,
                                 TK_UNDERSCORE};
  if (c == '-' && peekc(lx, 1) == '>') {
    advance(lx);
    advance(lx);
    lx->tok = TK_ARROW;
    return;
  }
  const char *p = c ? strchr(punct, c) : NULL;
  if (!p) {
    if (c >= 0x20 && c < 0x7F)
      wit_fail(lx->cx, lx->pos, "unexpected character '%c'", c);
    wit_fail(lx->cx, lx->pos, "unexpected byte 0x%02x", c);
  }
  advance(lx);
  lx->tok = toks[p - punct];
}

static bool is_verchar(int c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '+';
}

/* A version as semver defines it: MAJOR.MINOR.PATCH, numbers without
 * leading zeros, then optional -prerelease and +build parts. */
static bool valid_semver(const char *s, size_t n) {
  size_t i = 0;
  for (int part = 0; part < 3; part++) {
    size_t start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == start || (i - start > 1 && s[start] == '0')) return false;
    if (part < 2) {
      if (i >= n || s[i] != '.') return false;
      i++;
    }
  }
  if (i < n && s[i] == '-') {
    i++;
    size_t start = i;
    while (i < n && s[i] != '+') i++;
    if (i == start || s[i - 1] == '.') return false;
  }
  if (i < n && s[i] == '+') {
    i++;
    if (i == n) return false;
    while (i < n && s[i] != '+') i++;
  }
  return i == n;
}

const char *wit_lex_version(wit_lexer *lx) {
  const char *ignored = NULL;
  skip_blank(lx, &ignored);
  wit_pos pos = here(lx);
  size_t start = lx->at;
  while (is_verchar(peekc(lx, 0))) advance(lx);
  size_t n = lx->at - start;
  /* A '.' right after the version starts a `use` name list: give it back. */
  if (n > 1 && lx->src[lx->at - 1] == '.' && peekc(lx, 0) == '{') {
    lx->at--;
    lx->col--;
    n--;
  }
  if (!valid_semver(lx->src + start, n))
    wit_fail(lx->cx, pos, "invalid version `%.*s`: expected a semver like 0.2.0",
             (int)(n > 64 ? 64 : n), lx->src + start);
  const char *v = wit_strdup(lx->cx, lx->src + start, n);
  wit_lex_next(lx);
  return v;
}
