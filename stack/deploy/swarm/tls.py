"""TLS for the deployment: the operator's certificate, or a private CA and a certificate
for STACK_HOSTNAMES made with openssl (clients then trust <secrets>/ca.crt)."""

from __future__ import annotations

import ipaddress
import subprocess
from dataclasses import dataclass
from pathlib import Path

from stack.core.console import say
from stack.core.errors import StackError
from stack.deploy.swarm.settings import DeploySettings

CA_DAYS = 3650
CERT_DAYS = 825  # the longest lifetime clients accept for a server certificate


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path
    ca: Path | None  # None when the operator brought the certificate


def _openssl(*args: str) -> None:
    result = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise StackError(f"openssl {args[0]} failed: {result.stderr.strip()[-1000:]}")


def subject_alt_names(hostnames: list[str]) -> str:
    names = []
    for name in hostnames:
        try:
            ipaddress.ip_address(name)
            names.append(f"IP:{name}")
        except ValueError:
            names.append(f"DNS:{name}")
    return ",".join(names)


def _names_file(folder: Path) -> Path:
    return folder / "tls.names"


def _make_ca(folder: Path) -> None:
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:3072",
        "-nodes",
        "-days",
        str(CA_DAYS),
        "-subj",
        "/CN=qgis-stack private CA",
        "-keyout",
        str(folder / "ca.key"),
        "-out",
        str(folder / "ca.crt"),
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    )
    (folder / "ca.key").chmod(0o600)


def _make_certificate(folder: Path, hostnames: list[str]) -> None:
    sans = subject_alt_names(hostnames)
    extensions = folder / "tls.ext"
    extensions.write_text(
        f"subjectAltName={sans}\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
    )
    _openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        f"/CN={hostnames[0]}",
        "-keyout",
        str(folder / "tls.key"),
        "-out",
        str(folder / "tls.csr"),
    )
    _openssl(
        "x509",
        "-req",
        "-in",
        str(folder / "tls.csr"),
        "-CA",
        str(folder / "ca.crt"),
        "-CAkey",
        str(folder / "ca.key"),
        "-CAcreateserial",
        "-days",
        str(CERT_DAYS),
        "-extfile",
        str(extensions),
        "-out",
        str(folder / "tls.crt"),
    )
    (folder / "tls.key").chmod(0o600)
    _names_file(folder).write_text(",".join(hostnames) + "\n")
    for leftover in ("tls.csr", "tls.ext"):
        (folder / leftover).unlink(missing_ok=True)


def ensure_tls(settings: DeploySettings) -> TlsFiles:
    """The operator's files when STACK_TLS_CERT_FILE/KEY_FILE are set; otherwise a private
    CA (made once) and a certificate for STACK_HOSTNAMES (remade when the names change)."""
    given_cert, given_key = settings["STACK_TLS_CERT_FILE"], settings["STACK_TLS_KEY_FILE"]
    if given_cert or given_key:
        cert, key = settings.path("STACK_TLS_CERT_FILE"), settings.path("STACK_TLS_KEY_FILE")
        if not (given_cert and given_key and cert.is_file() and key.is_file()):
            raise StackError(
                "set both STACK_TLS_CERT_FILE and STACK_TLS_KEY_FILE to readable files, or neither"
            )
        return TlsFiles(cert=cert, key=key, ca=None)
    folder = settings.base.secrets_dir
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not (folder / "ca.crt").is_file():
        _make_ca(folder)
        say(f"created a private certificate authority: {folder / 'ca.crt'}")
    wanted = ",".join(settings.hostnames)
    names = _names_file(folder)
    if not (folder / "tls.crt").is_file() or not names.is_file() or names.read_text().strip() != wanted:
        _make_certificate(folder, settings.hostnames)
        say(f"created a TLS certificate for {wanted}, signed by {folder / 'ca.crt'}")
    return TlsFiles(cert=folder / "tls.crt", key=folder / "tls.key", ca=folder / "ca.crt")
