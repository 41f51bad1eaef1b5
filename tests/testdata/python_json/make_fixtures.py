"""Writes expected.json: what CPython's json module makes of each payload.

For every sample alert in ../alerts and every tricky payload below, records
json.dumps(json.loads(text)) (what `igwn-alert listen` prints) and
json.dumps(json.loads(text), indent=4) (what `igwn-alert listen -j` prints),
and for texts json.loads rejects, the error message.

Run from anywhere: python3 make_fixtures.py [--stdout]
"""
import json
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ALERTS = os.path.join(HERE, "..", "alerts")

# (name, JSON text). Texts are written with escapes where the character itself
# would be hard to see; each is what arrives on the wire.
TRICKY = [
    ("non-ascii text", '{"comment": "caf\u00e9 \u00fcber \u4e2d\u6587 \u00b0C", "name": "Virgo \u2013 EGO"}'),
    ("non-ascii escaped", '{"a": "\\u00e9\\u4e2d"}'),
    ("outside the BMP raw", '{"emoji": "\U0001F600 \U00010348", "\U0001F30C": 1}'),
    ("outside the BMP escaped", '["\\ud83d\\ude00", "\\uD834\\uDD1E"]'),
    ("lone surrogates", '["\\ud800", "\\udc00x", "\\ud800\\u0041"]'),
    ("control characters", '"\\u0000\\u0001\\b\\f\\n\\r\\t\\u001f\\u007f\\u0080 \\"q\\" \\\\ \\/"'),
    ("floats as written", '[1.0, 1e-05, 1e-5, 1E-5, 1.0E2, 1e2, 0.1, 0.5, 100.0, 2.5e-05, 0.0001, 0.00001]'),
    ("floats large", '[1e16, 1e15, 123456789012345678.0, 1e22, 1.5e300, 1.7976931348623157e308, 1e21, 9007199254740993.0]'),
    ("floats small", '[5e-324, 2.2250738585072014e-308, 1e-400, 1e-7, 3.1709791983764586e-10]'),
    ("floats overflow", '[1e400, -1e400, 1E+400]'),
    ("negative zero", '[-0.0, -0, 0, 0.0, -0e0, -1e-400]'),
    ("digits round", '[0.30000000000000004, 1.00000000000000001, 3.141592653589793238462643383279, 1402476155.123456]'),
    ("big integers", '[9007199254740991, 9007199254740992, 9007199254740993, -9007199254740993, 123456789012345678901234567890, 18446744073709551616]'),
    ("exponent forms", '[1E5, 1e+5, 1e-0, 12.5e1, 12.5E-1, 0e0, 0E+0]'),
    ("nan and infinity", '[NaN, Infinity, -Infinity]'),
    ("nested", '{"a": [1, [2, [3, [4, []]]], {"b": {"c": {}}}], "d": [{}], "e": [[]], "f": {"g": [{"h": null}]}}'),
    ("empty containers", '{"a": [], "b": {}, "c": [[], {}], "d": ""}'),
    ("empty object", "{}"),
    ("empty array", "[]"),
    ("member order", '{"b": 1, "10": 2, "2": 3, "a": 4, "1": 5, "__proto__": {"x": 1}, "constructor": 6}'),
    ("repeated keys", '{"a": 1, "b": 2, "a": 3}'),
    ("whitespace", ' \t\r\n{ "a" :\n[ 1 ,2 ] , "b":true,"c" : false , "d":null }\n '),
    ("scalars", '[true, false, null, "", 0, -1]'),
    ("a string", '"just text"'),
    ("a number", "1.0"),
    ("a small alert", '{"uid":"S1","alert_type":"new","data":{"far":1.0E-5,"t_0":1402476155.0,"labels":[]},"object":{}}'),
]

# Texts json.loads rejects (messages identical across CPython 3.8 to 3.13).
BAD = [
    "",
    "   ",
    "{",
    '{"a"',
    '{"a":',
    '{"a":1',
    '{"a" 1}',
    "{1:2}",
    "[1",
    "[1 2]",
    '"abc',
    '"a\\x"',
    '"\\u12"',
    '"\\u12zz"',
    '"a\x01b"',
    "1 2",
    "tru",
    "-",
    "01",
    "1.",
    ".5",
    "\ufeff{}",
    '{"a": 1}\n\n  x',
    '{"a": "\U0001F600", "b" 2}',
    '{\n  "uid": "S1",\n  "far": 1e-5\n  "t_0": 1\n}',
    "hello, not json",
]


def fixture(name, text):
    value = json.loads(text)
    return {
        "name": name,
        "input": text,
        "compact": json.dumps(value),
        "pretty": json.dumps(value, indent=4),
        "js": js_exact(text),
    }


def js_exact(text):
    """Whether a JavaScript object from JSON.parse(text) holds what Python's does.

    Not so when an integral float (1.0) or an integer beyond 2**53 occurs (a
    JavaScript number cannot tell them apart or hold them), when a key repeats
    or looks like an array index (JavaScript orders those first), or for NaN and
    the infinities (JSON.parse rejects them).
    """
    ok = True

    def pairs(items):
        nonlocal ok
        keys = [key for key, _ in items]
        if len(set(keys)) != len(keys) or any(k.isdigit() or k == "__proto__" for k in keys):
            ok = False
        return dict(items)

    def number(literal):
        nonlocal ok
        value = float(literal)
        if math.isinf(value) or (value.is_integer() and abs(value) < 2**53):
            ok = False
        return value

    def integer(literal):
        nonlocal ok
        if abs(int(literal)) >= 2**53:
            ok = False
        return int(literal)

    def constant(name):
        nonlocal ok
        ok = False
        return float(name)

    json.loads(text, object_pairs_hook=pairs, parse_float=number, parse_int=integer,
               parse_constant=constant)
    return ok


def error(text):
    try:
        json.loads(text)
    except json.JSONDecodeError as err:
        return {"input": text, "message": str(err)}
    raise AssertionError(f"{text!r} was accepted")


def build():
    fixtures = []
    for file in sorted(os.listdir(ALERTS)):
        if file.endswith(".json"):
            with open(os.path.join(ALERTS, file), encoding="utf-8") as handle:
                fixtures.append(fixture(f"alerts/{file}", handle.read()))
    fixtures.extend(fixture(name, text) for name, text in TRICKY)
    return {"fixtures": fixtures, "errors": [error(text) for text in BAD]}


def main():
    text = json.dumps(build(), indent=1) + "\n"
    if "--stdout" in sys.argv:
        sys.stdout.write(text)
    else:
        with open(os.path.join(HERE, "expected.json"), "w", encoding="ascii") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
