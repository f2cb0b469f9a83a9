from app.web.signature import sign, signature_is_valid

BODY = b'{"zen": "Design for failure."}'


def test_a_signature_of_the_body_with_the_secret_is_valid() -> None:
    assert signature_is_valid("s3cret", BODY, sign("s3cret", BODY))
    assert not signature_is_valid("s3cret", BODY + b" ", sign("s3cret", BODY))


def test_an_empty_secret_verifies_nothing() -> None:
    """HMAC under an empty key is anyone's to compute."""
    assert not signature_is_valid("", BODY, sign("", BODY))
