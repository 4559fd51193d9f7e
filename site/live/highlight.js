// A small Python highlighter for the live editor. It emits the span classes of Pandoc's and
// Quarto's highlighting (kw, cf, im, bu, st, co, dv, fl, op, fu, at, cn), so the site theme's
// colours apply to live code exactly as to static code blocks.

const KEYWORDS = new Set(["and", "as", "assert", "async", "await", "class", "def", "del", "global", "in", "is",
  "lambda", "nonlocal", "not", "or", "pass", "with", "yield"]);
const CONTROL = new Set(["break", "continue", "elif", "else", "except", "finally", "for", "if", "raise", "return",
  "try", "while", "match", "case"]);
const IMPORTS = new Set(["import", "from"]);
const CONSTANTS = new Set(["True", "False", "None"]);
const BUILTINS = new Set(["abs", "all", "any", "bool", "dict", "enumerate", "filter", "float", "format", "getattr",
  "hasattr", "int", "isinstance", "len", "list", "map", "max", "min", "print", "range", "repr", "round", "set",
  "sorted", "str", "sum", "tuple", "type", "zip", "display"]);

const TOKEN = new RegExp([
  "(#[^\\n]*)",                                                            // 1 comment
  "((?:[rRbBuUfF]{0,2})(?:\"\"\"[\\s\\S]*?(?:\"\"\"|$)|'''[\\s\\S]*?(?:'''|$)|\"(?:\\\\.|[^\"\\\\\\n])*\"?|'(?:\\\\.|[^'\\\\\\n])*'?))", // 2 string
  "(@[\\w.]+)",                                                            // 3 decorator
  "(\\b(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|\\d[\\d_]*)\\b(?![.eE]))", // 4 integer
  "((?:\\b\\d[\\d_]*\\.?[\\d_]*(?:[eE][+-]?\\d+)?|\\.\\d[\\d_]*(?:[eE][+-]?\\d+)?)j?)", // 5 float
  "([A-Za-z_][\\w]*)",                                                     // 6 name
  "([-+*/%=<>!&|^~@:]+|[()[\\]{},.;])",                                    // 7 operator
].join("|"), "g");

const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const span = (cls, text) => `<span class="${cls}">${esc(text)}</span>`;

export function highlight(code) {
  let out = "";
  let last = 0;
  let prev = "";
  TOKEN.lastIndex = 0;
  for (let m; (m = TOKEN.exec(code)); ) {
    if (m[0] === "") {
      TOKEN.lastIndex++;
      continue;
    }
    out += esc(code.slice(last, m.index));
    last = TOKEN.lastIndex;
    const [text, comment, string, deco, int, float, name, op] = m;
    if (comment) out += span("co", text);
    else if (string) out += span("st", text);
    else if (deco) out += span("at", text);
    else if (int) out += span("dv", text);
    else if (float) out += span("fl", text);
    else if (name) {
      if (IMPORTS.has(name)) out += span("im", name);
      else if (CONTROL.has(name)) out += span("cf", name);
      else if (KEYWORDS.has(name)) out += span("kw", name);
      else if (CONSTANTS.has(name)) out += span("cn", name);
      else if (prev === "def" || prev === "class") out += span("fu", name);
      else if (BUILTINS.has(name) && code[TOKEN.lastIndex] === "(") out += span("bu", name);
      else out += esc(name);
      prev = name;
      continue;
    } else if (op) out += span("op", text);
    else out += esc(text);
    prev = "";
  }
  out += esc(code.slice(last));
  return out;
}
