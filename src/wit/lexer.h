/* lexer.h — WIT tokens: identifiers, punctuation, versions; comments are
 * skipped and doc comments collected onto the next token. */
#ifndef LOAM_WIT_LEXER_H
#define LOAM_WIT_LEXER_H

#include "wit/ast.h"

typedef enum wit_tok {
  TK_EOF, TK_ID, TK_LBRACE, TK_RBRACE, TK_LPAREN, TK_RPAREN, TK_LT, TK_GT,
  TK_COMMA, TK_COLON, TK_SEMI, TK_EQ, TK_DOT, TK_SLASH, TK_AT, TK_ARROW,
  TK_STAR, TK_UNDERSCORE, TK_INT,
} wit_tok;

typedef struct wit_lexer {
  wit_ctx *cx;
  const char *file;
  const char *src;
  size_t len, at;
  uint32_t line, col;
  /* the current token */
  wit_tok tok;
  wit_pos pos;
  const char *text;      /* TK_ID (without '%'), TK_INT: arena copy */
  bool escaped;          /* TK_ID written with '%' */
  const char *docs;      /* doc comments just before this token, or NULL */
} wit_lexer;

void wit_lex_init(wit_lexer *lx, wit_ctx *cx, const char *file, const char *src,
                  size_t len);
void wit_lex_next(wit_lexer *lx);
/* After a TK_AT, reads a semver (1.2.3-pre+build) straight from the source
 * and then lexes the token after it. */
const char *wit_lex_version(wit_lexer *lx);
const char *wit_tok_name(wit_tok t);

#endif
