"""Billing's own checksum of a row's raw values, and their sums over key ranges, in each product's SQL.

Every mirrored row in the store keeps the checksum billing computed for it when it was read
(``source_sum``). Billing's sum of the checksums over a range of keys then equals the store's sum
over the same range exactly when billing's rows there are still the rows the store was made of,
so a reconciliation reads whole rows only where the sums differ, as data-diff tools do. Billing
is compared with billing: no canonical form of the values has to be written in each dialect's
SQL, and a quirk (padding, zero dates, REAL money) cannot make equal rows look different.

A row's checksum is the first 40 bits of the MD5 of its columns as the database renders them:
a changed row escapes notice with a probability of 2**-40, and a sum over a million rows stays
far inside a signed 64-bit integer on every product (SQLite's SUM overflows there). SQLite has
no hash function: there every range is compared by rows.
"""

from __future__ import annotations

from adapters.billing.odbc import Dialect

BITS = 40
_SEPARATOR = {"mariadb": "CHAR(31)", "postgresql": "CHR(31)"}


def row_sum(dialect: Dialect, columns: list[str]) -> str | None:
    """The SQL expression of a row's checksum over ``columns`` (None: the product cannot compute one).

    Each column is rendered as '=' and its text, or '-' for NULL, so that a NULL moving to a
    neighbouring column, or '' becoming NULL, changes the checksum.
    """
    if dialect == "mariadb":
        fields = ", ".join(f"IFNULL(CONCAT('=', {c}), '-')" for c in columns)
        return f"CAST(CONV(LEFT(MD5(CONCAT_WS({_SEPARATOR[dialect]}, {fields})), {BITS // 4}), 16, 10) AS UNSIGNED)"
    if dialect == "postgresql":
        fields = ", ".join(f"COALESCE('=' || CAST({c} AS TEXT), '-')" for c in columns)
        return (f"CAST(CAST('x' || LEFT(MD5(CONCAT_WS({_SEPARATOR[dialect]}, {fields})), {BITS // 4})"
                f" AS BIT({BITS})) AS BIGINT)")
    return None


def bucket(dialect: Dialect, key: str) -> str:
    """The SQL of a key's bucket: (key - lower) divided by the bucket width, both parameters, rounded down."""
    if dialect == "mariadb":
        return f"({key} - ?) DIV ?"
    return f"({key} - CAST(? AS BIGINT)) / CAST(? AS BIGINT)"
