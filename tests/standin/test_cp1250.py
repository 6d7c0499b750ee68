"""Everything the stand-in writes into text columns fits the Polish Windows code page."""

from __future__ import annotations

from collections import defaultdict

from adapters.standin import inbox, names
from adapters.standin.generator import generate
from tests.conftest import AS_OF


def test_reference_texts_encode_in_cp1250() -> None:
    texts = [v for k, v in vars(names).items() if k.isupper()] + [inbox.ANSWER]
    flat: list[str] = []
    for value in texts:
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                flat.append(item)
            elif isinstance(item, tuple):
                stack.extend(item)
    unencodable = []
    for s in flat:
        try:
            s.encode("cp1250")
        except UnicodeEncodeError:
            unencodable.append(s)
    assert len(flat) > 300 and unencodable == []


def test_generated_demo_text_encodes_in_cp1250() -> None:
    bad: dict[str, int] = defaultdict(int)
    for batch in generate("tiny", 3, AS_OF):
        for table, rows in batch.items():
            for row in rows:
                for value in row:
                    if isinstance(value, str):
                        try:
                            value.encode("cp1250")
                        except UnicodeEncodeError:
                            bad[table] += 1
    assert dict(bad) == {}
