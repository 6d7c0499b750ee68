"""The secret key's entropy estimate behind `ibok config check`: random keys pass, guessable ones do not."""

from __future__ import annotations

import secrets

import pytest

from config.production import SECRET_KEY_MIN_BITS, secret_key_bits


def test_every_key_of_32_random_bytes_in_hex_passes():
    assert all(secret_key_bits(secrets.token_hex(32)) >= SECRET_KEY_MIN_BITS for _ in range(2000))
    assert all(secret_key_bits(secrets.token_hex(32).upper()) >= SECRET_KEY_MIN_BITS for _ in range(200))


def test_every_key_the_example_file_suggests_passes():
    assert all(secret_key_bits(secrets.token_urlsafe(48)) >= SECRET_KEY_MIN_BITS for _ in range(2000))


@pytest.mark.parametrize("key", [
    "a" * 36,  # passed the length rule, 0 bits
    "a" * 500,
    "ab" * 50,
    "portal-tests-secret-key-0123456789abcdef",
    "9ddef7a30b6de774452c945b24daa87e",  # 128 random bits (secrets.token_hex(16), fixed: xdist workers collect alike)
    "Zielone jabłko na stole, 2024!",
])
def test_short_repetitive_or_patterned_keys_fall_short(key):
    assert secret_key_bits(key) < SECRET_KEY_MIN_BITS


def test_the_estimate_is_length_times_the_smaller_of_alphabet_and_measured_entropy():
    assert secret_key_bits("") == 0
    assert secret_key_bits("a" * 36) == 0
    assert secret_key_bits("ab" * 50) == 100 * 1.25  # 1 bit a character measured, 4.7 by the alphabet
    # Frequencies, not sequences: each hex digit four times scores as random hex would. The estimate
    # catches the lazy key (a word, a repeated letter, a short key), not every pattern.
    assert secret_key_bits("0123456789abcdef" * 4) == 64 * 4
