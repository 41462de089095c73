"""Chromium and a deployment's private CA: requests and OWSLib trust --ca-bundle
(REQUESTS_CA_BUNDLE), chromium only its own store. The server's certificate is verified here
against that CA, and chromium is told to accept exactly that certificate's key
(--ignore-certificate-errors-spki-list), not every certificate."""

from __future__ import annotations

import base64
import os
import socket
import ssl
import subprocess
from urllib.parse import urlsplit

from stack.core.errors import StackError

TIMEOUT_S = 15


def _spki_sha256(certificate_der: bytes) -> str:
    """base64(sha256(SubjectPublicKeyInfo)): the form chromium's flag takes."""
    pem = ssl.DER_cert_to_PEM_cert(certificate_der).encode()
    public_key = subprocess.run(
        ["openssl", "x509", "-noout", "-pubkey"], input=pem, capture_output=True, check=True
    ).stdout
    der = subprocess.run(
        ["openssl", "pkey", "-pubin", "-outform", "der"], input=public_key, capture_output=True, check=True
    ).stdout
    digest = subprocess.run(
        ["openssl", "dgst", "-sha256", "-binary"], input=der, capture_output=True, check=True
    ).stdout
    return base64.b64encode(digest).decode()


def chromium_trust_flags(base_url: str) -> list[str]:
    """Flags for an https URL whose certificate only the CA bundle vouches for; else none."""
    address = urlsplit(base_url)
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
    if address.scheme != "https" or not ca_bundle or not address.hostname:
        return []
    context = ssl.create_default_context(cafile=ca_bundle)
    try:
        with (
            socket.create_connection((address.hostname, address.port or 443), timeout=TIMEOUT_S) as plain,
            context.wrap_socket(plain, server_hostname=address.hostname) as connection,
        ):
            certificate = connection.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError) as error:
        problem = f"{base_url}: its certificate does not verify against {ca_bundle}: {error}"
        raise StackError(problem) from error
    if certificate is None:
        raise StackError(f"{base_url} presented no certificate")
    return [f"--ignore-certificate-errors-spki-list={_spki_sha256(certificate)}"]
