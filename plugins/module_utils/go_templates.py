# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Parse-time checks of Go text/template text, as Prometheus and Alertmanager make them.

Prometheus parses every alerting rule's label and annotation values as Go templates when it loads
the rules (promtool check rules does the same), and Alertmanager parses its template files when it
loads its configuration. AMP then reports CREATION_FAILED / UPDATE_FAILED minutes later; where
promtool and amtool are not installed (an AWX execution environment on UBI9) nothing catches these
before upload. No maintained Python package parses Go templates, so this module does what Go's
text/template parser does at parse time, and no more: lexing (actions, trim markers, comments,
strings), the control structure (if / range / with / define / block ... end, else), variables
declared before use in their scope, and functions known to the engine. It evaluates nothing.

The messages follow Go's ("undefined variable \"$label\"", "function \"humanise\" not defined",
"unexpected {{end}}", "unclosed action"), with the line.
"""

# Go text/template's builtin functions.
GO_FUNCTIONS = frozenset((
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println",
    "urlquery", "eq", "ge", "gt", "le", "lt", "ne",
))
# Prometheus 2.42's template functions (template/template.go), each checked with promtool 2.42.
PROMETHEUS_FUNCTIONS = GO_FUNCTIONS | frozenset((
    "query", "first", "label", "value", "strvalue", "args", "reReplaceAll", "safeHtml", "match", "title",
    "toUpper", "toLower", "graphLink", "tableLink", "sortByLabel", "humanize", "humanize1024",
    "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "pathPrefix", "externalURL",
    "parseDuration", "stripPort", "stripDomain", "toTime",
))
# Alertmanager 0.25's template functions (template/template.go), each checked with amtool 0.25.
ALERTMANAGER_FUNCTIONS = GO_FUNCTIONS | frozenset((
    "toUpper", "toLower", "title", "join", "match", "safeHtml", "reReplaceAll", "stringSlice",
))
# The variables Prometheus defines before an alerting rule's label and annotation templates.
PROMETHEUS_ALERT_VARIABLES = ("$labels", "$externalLabels", "$externalURL", "$value")

KEYWORDS = frozenset(("if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"))
CONTROL = ("if", "range", "with")
SPACE = " \t\r\n"


class TemplateSyntaxError(ValueError):
    """What Go's parser would refuse, with the line it is on."""

    def __init__(self, line, message):
        super().__init__(f"line {line}: {message}")
        self.line = line


def _is_alnum(char):
    return char == "_" or char.isalnum()


class _Lexer:
    """Splits the text into actions, each a list of (kind, value) tokens."""

    def __init__(self, text):
        self.text = text
        self.pos = 0

    def line(self, pos=None):
        return self.text.count("\n", 0, self.pos if pos is None else pos) + 1

    def fail(self, message, pos=None):
        raise TemplateSyntaxError(self.line(pos), message)

    def actions(self):
        """(line, tokens) for every action; comments give none."""
        text = self.text
        while True:
            start = text.find("{{", self.pos)
            if start < 0:
                return
            self.pos = start + 2
            if text.startswith("- ", self.pos) or text.startswith("-\t", self.pos) or text.startswith("-\n", self.pos):
                self.pos += 1
            line = self.line(start)
            while self.pos < len(text) and text[self.pos] in SPACE:
                self.pos += 1
            if text.startswith("/*", self.pos):
                self._comment()
                continue
            yield line, self._tokens()

    def _comment(self):
        end = self.text.find("*/", self.pos + 2)
        if end < 0:
            self.fail("unclosed comment")
        self.pos = end + 2
        for closing in ("}}", " -}}"):
            if self.text.startswith(closing, self.pos):
                self.pos += len(closing)
                return
        self.fail("comment ends before closing delimiter")

    def _tokens(self):
        text, tokens = self.text, []
        while True:
            if self.pos >= len(text):
                self.fail("unclosed action")
            char = text[self.pos]
            if text.startswith("}}", self.pos):
                self.pos += 2
                return tokens
            if char in SPACE:
                if text.startswith("-}}", self.pos + 1):
                    self.pos += 4
                    return tokens
                self.pos += 1
            elif char == '"':
                tokens.append(("string", self._quoted('"', "unterminated quoted string", escapes=True)))
            elif char == "`":
                tokens.append(("string", self._quoted("`", "unterminated raw quoted string", escapes=False)))
            elif char == "'":
                tokens.append(("number", self._quoted("'", "unterminated character constant", escapes=True)))
            elif text.startswith(":=", self.pos):
                tokens.append(("declare", ":="))
                self.pos += 2
            elif char in "=|(),":
                tokens.append(({"=": "assign", "|": "pipe", "(": "open", ")": "close", ",": "comma"}[char], char))
                self.pos += 1
            elif char == "$":
                tokens.append(("variable", self._word(self.pos + 1)))
                self._fields(tokens)
            elif char == "." and not text[self.pos + 1:self.pos + 2].isdigit():
                tokens.append(("dot", self._word(self.pos + 1)))
                self._fields(tokens)
            elif char.isdigit() or (char in "+-." and text[self.pos + 1:self.pos + 2].isdigit()):
                tokens.append(("number", self._word(self.pos + 1, number=True)))
            elif char == "_" or char.isalpha():
                word = self._word(self.pos + 1)
                kind = "keyword" if word in KEYWORDS else "literal" if word in ("true", "false", "nil") else "identifier"
                tokens.append((kind, word))
                self._fields(tokens)
            else:
                self.fail(f"unrecognized character in action: {char!r}")

    def _word(self, end, number=False):
        start = self.pos
        while end < len(self.text) and (_is_alnum(self.text[end]) or (number and self.text[end] in ".+-")):
            end += 1
        self.pos = end
        return self.text[start:end]

    def _fields(self, tokens):
        """A field chain right after an operand (.Labels.instance, $labels.pod): part of that operand."""
        while self.text.startswith(".", self.pos) and _is_alnum(self.text[self.pos + 1:self.pos + 2] or " "):
            self._word(self.pos + 1)

    def _quoted(self, quote, unterminated, escapes):
        start, position = self.pos, self.pos + 1
        while True:
            if position >= len(self.text) or (quote != "`" and self.text[position] == "\n"):
                self.pos = position
                self.fail(unterminated)
            char = self.text[position]
            if escapes and char == "\\":
                position += 2
                continue
            if char == quote:
                self.pos = position + 1
                return self.text[start:self.pos]
            position += 1


class _Checker:
    def __init__(self, functions, variables):
        self.functions = functions
        # One frame per open control structure: (keyword, line, variables visible inside).
        self.frames = [("", 0, set(("$",) + tuple(variables)))]

    @property
    def variables(self):
        return self.frames[-1][2]

    def action(self, line, tokens):
        if not tokens:
            raise TemplateSyntaxError(line, "missing value for command")
        kind, word = tokens[0]
        if kind != "keyword":
            self.pipeline(line, tokens, "command")
        elif word in CONTROL:
            self.frames.append((word, line, set(self.variables)))
            self.pipeline(line, tokens[1:], word)
        elif word == "else":
            if self.frames[-1][0] not in CONTROL:
                raise TemplateSyntaxError(line, "unexpected {{else}}")
            if len(tokens) > 1:
                if tokens[1] != ("keyword", "if") and tokens[1] != ("keyword", "with"):
                    raise TemplateSyntaxError(line, "unexpected token in else: expected if or with")
                self.pipeline(line, tokens[2:], tokens[1][1])
        elif word == "end":
            if len(self.frames) == 1:
                raise TemplateSyntaxError(line, "unexpected {{end}}")
            if len(tokens) > 1:
                raise TemplateSyntaxError(line, "unexpected token in end")
            self.frames.pop()
        elif word in ("define", "block"):
            if len(tokens) < 2 or tokens[1][0] != "string":
                raise TemplateSyntaxError(line, f"expected quoted template name in {word}")
            if word == "block":
                self.pipeline(line, tokens[2:], "block")
            # A definition is a template of its own: only $ is defined in it.
            self.frames.append((word, line, {"$"}))
        elif word == "template":
            if len(tokens) < 2 or tokens[1][0] != "string":
                raise TemplateSyntaxError(line, "expected quoted template name in template")
            if len(tokens) > 2:
                self.pipeline(line, tokens[2:], "template")
        elif word in ("break", "continue"):
            if not any(frame[0] == "range" for frame in self.frames):
                raise TemplateSyntaxError(line, f"{{{{{word}}}}} outside {{{{range}}}}")

    def pipeline(self, line, tokens, context):
        if not tokens:
            raise TemplateSyntaxError(line, f"missing value for {context}")
        # A declaration or assignment first: $x := …, $x = …, or in range $i, $e := …
        for index, (kind, _word) in enumerate(tokens):
            if kind in ("declare", "assign"):
                head = tokens[:index]
                names = [word for token_kind, word in head if token_kind == "variable"]
                if not names or any(token_kind not in ("variable", "comma") for token_kind, _w in head):
                    break  # operands() reports the stray := or =
                self.operands(line, tokens[index + 1:], context)
                # Go's parser adds the names for '=' too: an undefined one fails only when executed.
                self.variables.update(names)
                return
        self.operands(line, tokens, context)

    def operands(self, line, tokens, context):
        depth, command = 0, 0
        for kind, word in tokens:
            if kind == "open":
                depth += 1
                command = 0
            elif kind == "close":
                if depth == 0:
                    raise TemplateSyntaxError(line, "unexpected right paren")
                depth -= 1
                command += 1
            elif kind == "pipe":
                if command == 0:
                    raise TemplateSyntaxError(line, 'unexpected "|" in command')
                command = 0  # a pipe at the very end is allowed, as Go's parser allows it
            elif kind == "variable":
                self.use_variable(line, word)
                command += 1
            elif kind == "identifier":
                if word not in self.functions:
                    raise TemplateSyntaxError(line, f'function "{word}" not defined')
                command += 1
            elif kind == "keyword":
                raise TemplateSyntaxError(line, f"unexpected <{word}> in {context}")
            elif kind in ("declare", "assign"):
                raise TemplateSyntaxError(line, f"unexpected \"{word}\" in {context}")
            else:
                command += 1
        if depth:
            raise TemplateSyntaxError(line, "unclosed left paren")
        if not tokens:
            raise TemplateSyntaxError(line, f"missing value for {context}")

    def use_variable(self, line, name):
        if name not in self.variables:
            raise TemplateSyntaxError(line, f'undefined variable "{name}"')

    def finish(self):
        if len(self.frames) > 1:
            keyword, line, _variables = self.frames[-1]
            raise TemplateSyntaxError(line, f"unexpected EOF: {{{{{keyword}}}}} has no {{{{end}}}}")


def check_template(text, functions=PROMETHEUS_FUNCTIONS, variables=()):
    """Raise TemplateSyntaxError where Go's text/template parser (with ``functions`` and the
    variables ``variables`` declared before the text) would refuse ``text``."""
    if "{{" not in text:
        return
    checker = _Checker(functions, variables)
    for line, tokens in _Lexer(text).actions():
        checker.action(line, tokens)
    checker.finish()
