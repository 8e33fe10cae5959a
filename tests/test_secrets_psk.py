"""psk_problem: the one-scan fast path answers as the character-by-character rules do."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from greios.secrets import PSK_MAX, PSK_MIN, psk_problem


def _slow(value: str) -> bool:
    """IOS takes the key: printable ASCII, no whitespace, no '?', PSK_MIN..PSK_MAX long."""
    return (bool(value) and all(0x20 <= ord(c) <= 0x7E for c in value)
            and not any(c.isspace() for c in value) and "?" not in value
            and PSK_MIN <= len(value) <= PSK_MAX)


_chars = st.one_of(st.characters(min_codepoint=0, max_codepoint=0x80),
                   st.sampled_from(" ?\t\x1c\x7f\u00e9\u3000"))


@settings(max_examples=500)
@given(st.text(alphabet=_chars, min_size=0, max_size=PSK_MAX + 4))
def test_fast_path_agrees_with_the_rules(value: str) -> None:
    assert (psk_problem(value) is None) == _slow(value)


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E,
                                      blacklist_characters="?"),
               min_size=PSK_MIN, max_size=PSK_MAX))
def test_every_printable_key_of_a_valid_length_is_taken(value: str) -> None:
    assert psk_problem(value) is None


def test_reasons_name_the_problem_without_the_value() -> None:
    long_key = "k" * (PSK_MAX + 1)
    assert psk_problem("k" * (PSK_MIN - 1)) == f"is shorter than {PSK_MIN} characters"
    assert psk_problem(long_key) is not None and long_key not in str(psk_problem(long_key))
    assert psk_problem("k" * 40 + "?") == "contains '?', which IOS cannot take"
    assert psk_problem("k" * 40 + " ") is not None and "space" in str(psk_problem("k" * 40 + " "))
    assert psk_problem("") == "is empty"
