"""placeholder"""


def document() -> dict:
    return {"openapi": "3.1.0"}
