"""A parser for the subset of the XDR language (RFC 4506 section 6) that
proto/remote.x uses, shared by gen.py and check_upstream.py.

Supported: const, enum, typedef, struct, declarations with optional data
(T *x), fixed arrays (x[N]), variable arrays (x<N>), string<N> and opaque.
Unions are recognised and skipped when `skip_unions` is set, which is only
needed to read libvirt's full protocol files; everything else is an error.
"""

import re

BUILTIN = ("int", "unsigned int", "hyper", "unsigned hyper", "bool",
           "string", "opaque", "float", "double", "quadruple")


class ParseError(Exception):
    pass


class Decl:
    """One declaration: a struct field or the body of a typedef.

    kind is 'scalar' (T x), 'optional' (T *x), 'fixed' (T x[N]) or
    'var' (T x<N>); size is the N as written (a number or a const name),
    or '' for an unbounded x<>."""

    def __init__(self, base, name, kind, size, line):
        self.base = base
        self.name = name
        self.kind = kind
        self.size = size
        self.line = line

    def shape(self):
        """What must match between two definitions of the same field."""
        return (self.name, self.base, self.kind, self.size)

    def __repr__(self):
        return "Decl%r" % (self.shape(),)


class Const:
    def __init__(self, name, value, line):
        self.name, self.value, self.line = name, value, line


class Enum:
    def __init__(self, name, members, line):
        self.name, self.members, self.line = name, members, line  # [(name, value)]


class Typedef:
    def __init__(self, decl, line):
        self.name, self.decl, self.line = decl.name, decl, line


class Struct:
    def __init__(self, name, fields, line):
        self.name, self.fields, self.line = name, fields, line


class Union:
    def __init__(self, name, line):
        self.name, self.line = name, line


class Spec:
    def __init__(self):
        self.items = []        # in file order
        self.by_name = {}      # definition name -> item
        self.enum_values = {}  # enumerator -> (enum name, value string)

    def add(self, item, path):
        if item.name in self.by_name:
            raise ParseError("%s:%d: %s is defined twice" % (path, item.line, item.name))
        self.items.append(item)
        self.by_name[item.name] = item
        if isinstance(item, Enum):
            for m, v in item.members:
                if m in self.enum_values or m in self.by_name:
                    raise ParseError("%s:%d: %s is defined twice" % (path, item.line, m))
                self.enum_values[m] = (item.name, v)

    def value(self, text):
        """The integer value of a number or a const / enumerator name."""
        return self._value(text, set())

    def _value(self, text, seen):
        if re.fullmatch(r"-?(0x[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)", text):
            neg = text.startswith("-")
            t = text[1:] if neg else text
            if t.lower().startswith("0x"):
                v = int(t, 16)
            elif t.startswith("0") and len(t) > 1:
                v = int(t, 8)
            else:
                v = int(t)
            return -v if neg else v
        if text in seen:
            raise ParseError("circular definition of %s" % text)
        seen.add(text)
        item = self.by_name.get(text)
        if isinstance(item, Const):
            return self._value(item.value, seen)
        if text in self.enum_values:
            return self._value(self.enum_values[text][1], seen)
        raise ParseError("unknown constant %s" % text)


_TOKEN = re.compile(r"\s+|[A-Za-z_][A-Za-z0-9_]*|-?0[xX][0-9a-fA-F]+|-?[0-9]+|[{}();=,<>\[\]*:]")


def tokenize(text, path):
    """Returns [(token, line)] without comments and %-passthrough lines."""
    out = []
    i, line, n = 0, 1, len(text)
    at_line_start = True
    while i < n:
        if at_line_start:
            j = i
            while j < n and text[j] in " \t":
                j += 1
            if j < n and text[j] == "%":
                k = text.find("\n", j)
                i = n if k < 0 else k
                at_line_start = False
                continue
        if text.startswith("/*", i):
            k = text.find("*/", i + 2)
            if k < 0:
                raise ParseError("%s:%d: unterminated comment" % (path, line))
            line += text.count("\n", i, k)
            i = k + 2
            at_line_start = False
            continue
        if text.startswith("//", i):
            k = text.find("\n", i)
            i = n if k < 0 else k
            continue
        m = _TOKEN.match(text, i)
        if not m:
            raise ParseError("%s:%d: unexpected character %r" % (path, line, text[i]))
        tok = m.group(0)
        if tok.isspace():
            nl = tok.count("\n")
            line += nl
            if nl:
                at_line_start = True
        else:
            out.append((tok, line))
            at_line_start = False
        i = m.end()
    return out


class _Parser:
    def __init__(self, toks, path, skip_unions):
        self.toks = toks
        self.i = 0
        self.path = path
        self.skip_unions = skip_unions

    def err(self, msg):
        line = self.toks[self.i][1] if self.i < len(self.toks) else (self.toks[-1][1] if self.toks else 1)
        raise ParseError("%s:%d: %s" % (self.path, line, msg))

    def peek(self, k=0):
        j = self.i + k
        return self.toks[j][0] if j < len(self.toks) else None

    def line(self):
        return self.toks[self.i][1] if self.i < len(self.toks) else 0

    def take(self, want=None):
        t = self.peek()
        if t is None:
            self.err("unexpected end of file" + (", expected %r" % want if want else ""))
        if want is not None and t != want:
            self.err("expected %r, found %r" % (want, t))
        self.i += 1
        return t

    def ident(self):
        t = self.take()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", t):
            self.i -= 1
            self.err("expected a name, found %r" % t)
        return t

    def value(self):
        t = self.take()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*|-?0[xX][0-9a-fA-F]+|-?[0-9]+", t):
            self.i -= 1
            self.err("expected a number or constant, found %r" % t)
        return t

    def type_spec(self):
        t = self.take()
        if t == "unsigned":
            if self.peek() in ("int", "hyper", "char", "short", "long"):
                return "unsigned " + self.take()
            return "unsigned int"
        if t in ("struct", "enum", "union") and self.peek() == "{":
            self.i -= 1
            self.err("inline %s definitions are not supported" % t)
        if t in ("struct", "enum", "union"):
            return self.ident()  # "struct foo x;" names a defined type
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", t):
            self.i -= 1
            self.err("expected a type, found %r" % t)
        return t

    def decl(self):
        line = self.line()
        if self.peek() == "void":
            self.take()
            return Decl("void", "", "void", None, line)
        base = self.type_spec()
        if self.peek() == "*":
            self.take()
            name = self.ident()
            if base in ("string", "opaque"):
                self.err("%s cannot be optional data" % base)
            return Decl(base, name, "optional", None, line)
        name = self.ident()
        if self.peek() == "[":
            self.take()
            size = self.value()
            self.take("]")
            kind = "fixed"
        elif self.peek() == "<":
            self.take()
            size = "" if self.peek() == ">" else self.value()
            self.take(">")
            kind = "var"
        else:
            size, kind = None, "scalar"
        if base == "string" and kind != "var":
            self.err("string %s needs <max>" % name)
        if base == "opaque" and kind == "scalar":
            self.err("opaque %s needs [n] or <max>" % name)
        return Decl(base, name, kind, size, line)

    def parse(self, spec):
        while self.peek() is not None:
            line = self.line()
            kw = self.take()
            if kw == "const":
                name = self.ident()
                self.take("=")
                spec.add(Const(name, self.value(), line), self.path)
                self.take(";")
            elif kw == "typedef":
                d = self.decl()
                if d.kind == "void":
                    self.err("typedef void is not supported")
                spec.add(Typedef(d, line), self.path)
                self.take(";")
            elif kw == "enum":
                name = self.ident()
                self.take("{")
                members = []
                while True:
                    m = self.ident()
                    self.take("=")
                    members.append((m, self.value()))
                    if self.peek() == ",":
                        self.take()
                        continue
                    break
                self.take("}")
                self.take(";")
                spec.add(Enum(name, members, line), self.path)
            elif kw == "struct":
                name = self.ident()
                self.take("{")
                fields = []
                while self.peek() != "}":
                    d = self.decl()
                    if d.kind == "void":
                        self.err("void struct members are not supported")
                    fields.append(d)
                    self.take(";")
                self.take("}")
                self.take(";")
                if not fields:
                    self.err("struct %s is empty" % name)
                spec.add(Struct(name, fields, line), self.path)
            elif kw == "union" and self.skip_unions:
                name = self.ident()
                depth = 0
                while True:
                    t = self.take()
                    if t == "{":
                        depth += 1
                    elif t == "}":
                        depth -= 1
                        if depth == 0:
                            break
                self.take(";")
                spec.add(Union(name, line), self.path)
            else:
                self.i -= 1
                self.err("unsupported definition %r" % kw)


def parse(text, path="<input>", skip_unions=False, spec=None):
    """Parses XDR text into spec (a new Spec unless one is given)."""
    spec = spec if spec is not None else Spec()
    _Parser(tokenize(text, path), path, skip_unions).parse(spec)
    return spec


def parse_file(path, skip_unions=False, spec=None):
    with open(path, encoding="utf-8") as f:
        return parse(f.read(), path, skip_unions, spec)
