"""Our generated Python codecs for the shapes (interopc gen --lang python -> bench/out/gen/python).
Returns ([(name, encode, decode, value)], missing-reason or None)."""


def our_codecs(_shape):
    return [], "generated Python codecs not available yet (interopc gen --lang python)"
