// The grammar of .interop files as a Chevrotain CST parser. The grammar is deliberately a little
// wider than the language: it also accepts the shapes people bring from protobuf and Thrift
// (`string name = 1;`, `1: required string name;`, `T?`) so the AST builder can name the mistake
// precisely (E0109..E0111) instead of the parser reporting a generic "unexpected token".
// It builds a concrete syntax tree only; ast-builder.ts turns that into ./ast.ts.

import { CstParser, tokenMatcher, type TokenType } from 'chevrotain';
import * as T from './tokens.js';
import { errorMessageProvider } from './syntax-errors.js';

const { Kw } = T;

/** Words that protobuf and Thrift put before a field's type; recognized only to explain them. */
export const FOREIGN_MODIFIERS: ReadonlySet<string> = new Set(['optional', 'required', 'repeated']);

/** Punctuation the parser may pretend it saw (single-token insertion) to recover from an error. */
const INSERTABLE: ReadonlySet<TokenType> = new Set([
  T.Semi, T.Terminator, T.Colon, T.RCurly, T.RParen, T.RAngle, T.RBracket, T.Comma,
]);

const GENERIC_KEYWORDS: TokenType[] = [Kw.list, Kw.map, Kw.optional, Kw.stream];
const DECL_KEYWORD_TOKENS: TokenType[] = T.DECL_START_KEYWORDS.map((w) => Kw[w]);
/** What may follow a member's name: if a decl keyword is followed by one of these, it is a name. */
const MEMBER_CONTINUATIONS: TokenType[] = [T.Colon, T.Question, T.Terminator, T.Equals, T.RCurly];

export class InteropParser extends CstParser {
  constructor() {
    super(T.ALL_TOKENS, {
      recoveryEnabled: true,
      maxLookahead: 3,
      errorMessageProvider,
    });
    this.performSelfAnalysis();
  }

  protected override canTokenTypeBeInsertedInRecovery(tokType: TokenType): boolean {
    return INSERTABLE.has(tokType);
  }

  /** `string name`, `list<T> name`, `pkg.T name`: a member written type-first. */
  private typeComesFirst(): boolean {
    const t1 = this.LA(1);
    const t2 = this.LA(2);
    if (tokenMatcher(t1, T.Identifier)) return tokenMatcher(t2, T.Name) || tokenMatcher(t2, T.Dot);
    return GENERIC_KEYWORDS.some((k) => tokenMatcher(t1, k)) && tokenMatcher(t2, T.LAngle);
  }

  /** `reserved 1, "x";` rather than a member named `reserved`. */
  private reservedComes(): boolean {
    const t2 = this.LA(2);
    return tokenMatcher(t2, T.IntLit) || tokenMatcher(t2, T.StringLit);
  }

  /**
   * A top-level declaration keyword followed by something that cannot continue a member
   * (`struct B {`): the body before it was not closed. Stops the body so `}` can be reported
   * missing and the next declaration still parses.
   */
  private declComes(): boolean {
    const t1 = this.LA(1);
    if (!DECL_KEYWORD_TOKENS.some((k) => tokenMatcher(t1, k))) return false;
    const t2 = this.LA(2);
    return !MEMBER_CONTINUATIONS.some((k) => tokenMatcher(t2, k));
  }

  file = this.RULE('file', () => {
    this.MANY(() => this.SUBRULE(this.topItem));
  });

  topItem = this.RULE('topItem', () => {
    this.MANY(() => this.SUBRULE(this.annotation));
    this.OR([
      { ALT: () => this.SUBRULE(this.moduleHeader) },
      { ALT: () => this.SUBRULE(this.importDecl) },
      { ALT: () => this.SUBRULE(this.dependsDecl) },
      { ALT: () => this.SUBRULE(this.structDecl) },
      { ALT: () => this.SUBRULE(this.enumDecl) },
      { ALT: () => this.SUBRULE(this.unionDecl) },
      { ALT: () => this.SUBRULE(this.aliasDecl) },
      { ALT: () => this.SUBRULE(this.constDecl) },
      { ALT: () => this.SUBRULE(this.fnDecl) },
      { ALT: () => this.SUBRULE(this.eventDecl) },
    ]);
  });

  moduleHeader = this.RULE('moduleHeader', () => {
    this.CONSUME(Kw.module);
    this.SUBRULE(this.nameRef);
    this.CONSUME(Kw.version);
    this.CONSUME(T.StringLit, { LABEL: 'version' });
    this.CONSUME(T.Semi);
  });

  importDecl = this.RULE('importDecl', () => {
    this.CONSUME(Kw.import);
    this.CONSUME(T.StringLit, { LABEL: 'path' });
    this.OPTION(() => {
      this.CONSUME(Kw.as);
      this.CONSUME(T.Identifier, { LABEL: 'alias' });
    });
    this.CONSUME(T.Semi);
  });

  dependsDecl = this.RULE('dependsDecl', () => {
    this.CONSUME(Kw.depends);
    this.SUBRULE(this.nameRef);
    this.CONSUME(T.Semi);
  });

  structDecl = this.RULE('structDecl', () => {
    this.OR([
      { ALT: () => this.CONSUME(Kw.struct, { LABEL: 'keyword' }) },
      { ALT: () => this.CONSUME(Kw.error, { LABEL: 'keyword' }) },
    ]);
    this.CONSUME(T.Name, { LABEL: 'name' }); // keywords: reported by the builder (E0115)
    this.CONSUME(T.LCurly, { LABEL: 'open' });
    this.MANY({ GATE: () => !this.declComes(), DEF: () => this.SUBRULE(this.bodyItem) });
    this.CONSUME(T.RCurly, { LABEL: 'close' });
  });

  unionDecl = this.RULE('unionDecl', () => {
    this.CONSUME(Kw.union);
    this.CONSUME(T.Name, { LABEL: 'name' }); // keywords: reported by the builder (E0115)
    this.CONSUME(T.LCurly, { LABEL: 'open' });
    this.MANY({ GATE: () => !this.declComes(), DEF: () => this.SUBRULE(this.bodyItem) });
    this.CONSUME(T.RCurly, { LABEL: 'close' });
  });

  /** A struct/error field, a union case, or `reserved ...;`, with annotations in front. */
  bodyItem = this.RULE('bodyItem', () => {
    this.MANY(() => this.SUBRULE(this.annotation));
    this.OR({ MAX_LOOKAHEAD: 1, DEF: [
      { GATE: () => this.reservedComes(), ALT: () => this.SUBRULE(this.reservedDecl) },
      {
        ALT: () => {
          this.SUBRULE(this.member);
          this.CONSUME(T.Terminator, { LABEL: 'end' });
        },
      },
    ] });
  });

  enumDecl = this.RULE('enumDecl', () => {
    this.CONSUME(Kw.enum);
    this.CONSUME(T.Name, { LABEL: 'name' }); // keywords: reported by the builder (E0115)
    this.CONSUME(T.LCurly, { LABEL: 'open' });
    this.MANY({ GATE: () => !this.declComes(), DEF: () => this.SUBRULE(this.enumItem) });
    this.CONSUME(T.RCurly, { LABEL: 'close' });
  });

  enumItem = this.RULE('enumItem', () => {
    this.MANY(() => this.SUBRULE(this.annotation));
    this.OR({ MAX_LOOKAHEAD: 1, DEF: [
      { GATE: () => this.reservedComes(), ALT: () => this.SUBRULE(this.reservedDecl) },
      {
        ALT: () => {
          this.CONSUME(T.Name, { LABEL: 'name' });
          this.OPTION(() => {
            this.CONSUME(T.Equals);
            this.SUBRULE(this.literal, { LABEL: 'value' });
          });
          this.CONSUME(T.Terminator, { LABEL: 'end' });
        },
      },
    ] });
  });

  reservedDecl = this.RULE('reservedDecl', () => {
    this.CONSUME(Kw.reserved);
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => this.SUBRULE(this.reservedItem),
    });
    this.CONSUME(T.Semi);
  });

  reservedItem = this.RULE('reservedItem', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.IntLit, { LABEL: 'from' });
          this.OPTION(() => {
            this.OR2([
              { ALT: () => this.CONSUME(T.DotDot) },
              // protobuf's `1 to 5`: accepted to be explained (E0110).
              { GATE: () => this.LA(1).image === 'to', ALT: () => this.CONSUME(T.Identifier, { LABEL: 'protoTo' }) },
            ]);
            this.CONSUME2(T.IntLit, { LABEL: 'to' });
          });
        },
      },
      { ALT: () => this.CONSUME(T.StringLit, { LABEL: 'name' }) },
    ]);
  });

  /**
   * The inside of a field, union case or parameter: `id: name?: type = default`. The id is
   * optional here (E0109 is reported by the builder), and the type-before-name shapes of
   * protobuf/Thrift are accepted to be explained (E0110).
   */
  member = this.RULE('member', () => {
    this.MANY2({
      GATE: () => FOREIGN_MODIFIERS.has(this.LA(1).image) && tokenMatcher(this.LA(2), T.IntLit),
      DEF: () => this.CONSUME4(T.Name, { LABEL: 'modifier' }),
    });
    this.OPTION(() => {
      this.CONSUME(T.IntLit, { LABEL: 'id' });
      this.CONSUME(T.Colon, { LABEL: 'idColon' });
    });
    this.MANY({
      GATE: () => FOREIGN_MODIFIERS.has(this.LA(1).image) && tokenMatcher(this.LA(2), T.Name),
      DEF: () => this.CONSUME(T.Name, { LABEL: 'modifier' }),
    });
    this.OR({ MAX_LOOKAHEAD: 1, DEF: [
      {
        GATE: () => this.typeComesFirst(),
        ALT: () => {
          this.SUBRULE2(this.typeExpr, { LABEL: 'typeFirst' });
          this.CONSUME3(T.Name, { LABEL: 'name' });
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.Name, { LABEL: 'name' });
          this.OPTION2(() => this.CONSUME(T.Question, { LABEL: 'optMark' }));
          this.OPTION3(() => {
            this.CONSUME2(T.Colon, { LABEL: 'typeColon' });
            this.SUBRULE(this.typeExpr, { LABEL: 'type' });
            this.OPTION4(() => this.CONSUME2(T.Question, { LABEL: 'postfixMark' }));
          });
        },
      },
    ] });
    this.OPTION5(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.literal, { LABEL: 'default' });
    });
  });

  aliasDecl = this.RULE('aliasDecl', () => {
    this.CONSUME(Kw.type);
    this.CONSUME(T.Name, { LABEL: 'name' }); // keywords: reported by the builder (E0115)
    this.CONSUME(T.Equals);
    this.SUBRULE(this.typeExpr);
    this.CONSUME(T.Semi);
  });

  constDecl = this.RULE('constDecl', () => {
    this.CONSUME(Kw.const);
    this.CONSUME(T.Name, { LABEL: 'name' }); // keywords: reported by the builder (E0115)
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.literal, { LABEL: 'value' });
    this.CONSUME(T.Semi);
  });

  fnDecl = this.RULE('fnDecl', () => {
    this.OPTION5(() => this.CONSUME(Kw.oneway));
    this.CONSUME(Kw.fn);
    this.CONSUME(T.Name, { LABEL: 'name' }); // keywords: reported by the builder (E0115)
    this.CONSUME(T.LParen, { LABEL: 'open' });
    this.OPTION(() => {
      this.SUBRULE(this.param);
      this.MANY(() => {
        // The comma is optional here only so a missing one is reported by the AST builder
        // (E0103) without losing the rest of the declaration.
        this.OPTION6(() => this.CONSUME(T.Comma, { LABEL: 'sep' }));
        this.SUBRULE2(this.param);
      });
      this.OPTION4(() => this.CONSUME2(T.Comma, { LABEL: 'sep' }));
    });
    this.CONSUME(T.RParen, { LABEL: 'close' });
    this.OPTION2(() => {
      this.CONSUME(T.Arrow);
      this.SUBRULE(this.typeExpr, { LABEL: 'result' });
    });
    this.OPTION3(() => {
      this.CONSUME(Kw.throws);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.nameRef, { LABEL: 'throws' }) });
    });
    this.CONSUME(T.Semi);
  });

  param = this.RULE('param', () => {
    this.MANY(() => this.SUBRULE(this.annotation));
    this.SUBRULE(this.member);
  });

  eventDecl = this.RULE('eventDecl', () => {
    this.CONSUME(Kw.event);
    this.CONSUME(T.Name, { LABEL: 'name' }); // keywords: reported by the builder (E0115)
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.typeExpr, { LABEL: 'payload' });
    });
    this.CONSUME(T.Semi);
  });

  annotation = this.RULE('annotation', () => {
    this.CONSUME(T.At);
    this.CONSUME(T.Name, { LABEL: 'name' });
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.OPTION2(() => {
        this.SUBRULE(this.annotationArg);
        this.MANY(() => {
          this.CONSUME(T.Comma, { LABEL: 'sep' });
          this.SUBRULE2(this.annotationArg);
        });
        this.OPTION3(() => this.CONSUME2(T.Comma, { LABEL: 'sep' }));
      });
      this.CONSUME(T.RParen, { LABEL: 'close' });
    });
  });

  annotationArg = this.RULE('annotationArg', () => {
    this.OPTION({
      GATE: () => tokenMatcher(this.LA(2), T.Equals),
      DEF: () => {
        this.CONSUME(T.Name, { LABEL: 'key' });
        this.CONSUME(T.Equals);
      },
    });
    this.SUBRULE(this.literal, { LABEL: 'value' });
  });

  typeExpr = this.RULE('typeExpr', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.genericType) },
      {
        ALT: () => {
          this.SUBRULE(this.nameRef);
          // `set<T>`, `Vec<T>`, `lsit<T>`: type arguments after a name, accepted to be explained
          // (E0116) as one mistake rather than a cascade of unexpected tokens.
          this.OPTION(() => this.SUBRULE(this.typeArgs, { LABEL: 'foreignArgs' }));
        },
      },
    ]);
  });

  typeArgs = this.RULE('typeArgs', () => {
    this.CONSUME(T.LAngle);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.typeExpr, { LABEL: 'arg' }) });
    this.CONSUME(T.RAngle);
  });

  /** `list<T>`, `optional<T>`, `stream<T>`, `map<K, V>`. */
  genericType = this.RULE('genericType', () => {
    this.OR([
      { ALT: () => this.CONSUME(Kw.list, { LABEL: 'ctor' }) },
      { ALT: () => this.CONSUME(Kw.optional, { LABEL: 'ctor' }) },
      { ALT: () => this.CONSUME(Kw.stream, { LABEL: 'ctor' }) },
      { ALT: () => this.CONSUME(Kw.map, { LABEL: 'ctor' }) },
    ]);
    this.OR2([
      {
        ALT: () => {
          this.CONSUME(T.LAngle, { LABEL: 'open' });
          this.SUBRULE(this.typeExpr, { LABEL: 'arg' });
          this.OPTION(() => {
            this.CONSUME(T.Comma);
            this.SUBRULE2(this.typeExpr, { LABEL: 'arg' });
          });
          this.CONSUME(T.RAngle, { LABEL: 'close' });
        },
      },
      // `optional Mood`: accepted to be explained (E0111 / E0103), not part of the language.
      { ALT: () => this.SUBRULE3(this.typeExpr, { LABEL: 'bareArg' }) },
    ]);
  });

  nameRef = this.RULE('nameRef', () => {
    this.CONSUME(T.Identifier, { LABEL: 'part' });
    this.MANY(() => {
      this.CONSUME(T.Dot);
      this.CONSUME(T.Name, { LABEL: 'part' });
    });
  });

  literal = this.RULE('literal', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.IntLit, { LABEL: 'int' }) },
      { ALT: () => this.CONSUME(T.FloatLiteral, { LABEL: 'float' }) },
      { ALT: () => this.CONSUME(T.StringLit, { LABEL: 'string' }) },
      { ALT: () => this.CONSUME(Kw.true, { LABEL: 'bool' }) },
      { ALT: () => this.CONSUME(Kw.false, { LABEL: 'bool' }) },
      { ALT: () => this.CONSUME(Kw.none, { LABEL: 'none' }) },
      { ALT: () => this.CONSUME(Kw.nan, { LABEL: 'float' }) },
      { ALT: () => this.CONSUME(Kw.inf, { LABEL: 'float' }) },
      {
        ALT: () => {
          this.CONSUME(T.Minus, { LABEL: 'minus' });
          this.CONSUME2(Kw.inf, { LABEL: 'float' });
        },
      },
      { ALT: () => this.SUBRULE(this.nameRef) },
      { ALT: () => this.SUBRULE(this.listLiteral) },
      { ALT: () => this.SUBRULE(this.mapLiteral) },
    ]);
  });

  listLiteral = this.RULE('listLiteral', () => {
    this.CONSUME(T.LBracket, { LABEL: 'open' });
    this.OPTION(() => {
      this.SUBRULE(this.literal, { LABEL: 'item' });
      this.MANY(() => {
        this.CONSUME(T.Comma, { LABEL: 'sep' });
        this.SUBRULE2(this.literal, { LABEL: 'item' });
      });
      this.OPTION2(() => this.CONSUME2(T.Comma, { LABEL: 'sep' }));
    });
    this.CONSUME(T.RBracket, { LABEL: 'close' });
  });

  mapLiteral = this.RULE('mapLiteral', () => {
    this.CONSUME(T.LCurly, { LABEL: 'open' });
    this.OPTION(() => {
      this.SUBRULE(this.mapEntry, { LABEL: 'entry' });
      this.MANY(() => {
        this.CONSUME(T.Comma, { LABEL: 'sep' });
        this.SUBRULE2(this.mapEntry, { LABEL: 'entry' });
      });
      this.OPTION2(() => this.CONSUME2(T.Comma, { LABEL: 'sep' }));
    });
    this.CONSUME(T.RCurly, { LABEL: 'close' });
  });

  mapEntry = this.RULE('mapEntry', () => {
    this.SUBRULE(this.literal, { LABEL: 'key' });
    this.CONSUME(T.Colon);
    this.SUBRULE2(this.literal, { LABEL: 'value' });
  });
}

/** The one parser instance, reused for every file (Chevrotain parsers are expensive to build). */
export const parser = new InteropParser();
