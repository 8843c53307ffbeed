"""Signed checkpoints: statements, kept outside the database, of how long each hash chain was
and which hash its last entry had, signed with an Ed25519 key that the database never holds.

Whoever can rewrite the database can rewrite a hash chain from end to end, or cut its tail off
and move its head back: the chain alone still verifies. A checkpoint they cannot sign, in a
file they cannot reach, pins the chain: every later state of the log must still hold the
checkpoint's head hash at the checkpoint's position, and the chain from the start up to that
entry is verified as a whole (`app.audit.chain.verify`), so the log extends the checkpoint.

A checkpoint file holds one JSON object per line (JSON Lines), appended, never rewritten:
`{"chain", "entries", "head", "time", "key_id", "signature"}`. The signature (Ed25519,
base64) covers the statement text of `Checkpoint.statement`; `key_id` names the public key.
Keys are PEM files (PKCS#8 private key, SubjectPublicKeyInfo public key), as
`flask --app app audit keygen PATH` or `openssl genpkey -algorithm ed25519` make them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select

from app.audit import chain
from app.audit.logs import CHAINED_LOGS
from app.db import db

STATEMENT_VERSION = "buurtpad-checkpoint/1"
FILE_NAME = "checkpoints.jsonl"  # inside BUURTPAD_CHECKPOINTS when that names a directory
FIELDS = ("chain", "entries", "head", "time", "key_id", "signature")


class CheckpointError(Exception):
    """A checkpoint cannot be taken or read: no key, an unreadable key, a broken log."""


@dataclass(frozen=True)
class Checkpoint:
    chain: str
    entries: int
    head: str
    time: str
    key_id: str
    signature: str
    number: int = 0  # its line in the file, from 1: how messages name it

    def statement(self) -> bytes:
        """The text that is signed: every field but the signature, one per line."""
        return (f"{STATEMENT_VERSION}\nchain {self.chain}\nentries {self.entries}\n"
                f"head {self.head}\ntime {self.time}\nkey {self.key_id}\n").encode()

    @property
    def name(self) -> str:
        return (f"checkpoint {self.number} of {self.time} ({self.chain}, {self.entries} "
                f"entries, head {self.head[:12]}…)")

    def as_dict(self) -> dict[str, Any]:
        return {name: value for name, value in asdict(self).items() if name in FIELDS}


# --- keys --------------------------------------------------------------------------------------

def generate_key(path: Path) -> Path:
    """Write a new Ed25519 private key to `path` (mode 0600) and its public key beside it
    (`path` + `.pub`); refuse to overwrite either. Returns the public key's path."""
    public_path = path.with_name(path.name + ".pub")
    for existing in (path, public_path):
        if existing.exists():
            raise CheckpointError(f"{existing} exists already; a signing key is never replaced "
                                  "silently (checkpoints signed with it could no longer be "
                                  "checked with a new one).")
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    private_pem = key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(private_pem)
    public_path.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return public_path


def load_private_key(path: str | os.PathLike[str] | None) -> Ed25519PrivateKey:
    if not path:
        raise CheckpointError("No signing key: set BUURTPAD_CHECKPOINT_KEY to the path of an "
                              "Ed25519 private key (flask --app app audit keygen PATH).")
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise CheckpointError(f"The signing key {path} cannot be read: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"The signing key {path} is not an Ed25519 key.")
    return key


def load_public_key(path: str | os.PathLike[str]) -> Ed25519PublicKey:
    """A public key from a PEM file; a private key's file gives its public key."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise CheckpointError(f"The public key {path} cannot be read: {error}") from error
    try:
        key: Any = serialization.load_pem_public_key(data)
    except ValueError:
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError) as error:
            raise CheckpointError(f"{path} holds no PEM key: {error}") from error
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"The public key {path} is not an Ed25519 key.")
    return key


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def verifying_key(config: Any, public_key_path: str | None = None) -> Ed25519PublicKey:
    """The key checkpoints are checked with: the one named, else the configured public key,
    else the public half of the configured signing key."""
    path = (public_key_path or config.get("CHECKPOINT_PUBLIC_KEY")
            or config.get("CHECKPOINT_KEY"))
    if not path:
        raise CheckpointError("No public key to check checkpoints with: pass --public-key PATH "
                              "or set BUURTPAD_CHECKPOINT_PUBLIC_KEY.")
    return load_public_key(path)


# --- the file ------------------------------------------------------------------------------------

def checkpoint_file(path: str | os.PathLike[str] | None) -> Path:
    if not path:
        raise CheckpointError("No place for checkpoints: set BUURTPAD_CHECKPOINTS to a file or "
                              "directory outside the database.")
    target = Path(path)
    return target / FILE_NAME if target.is_dir() else target


@contextmanager
def _appending(path: Path) -> Iterator[Any]:
    """The file opened for appending, locked against a second writer on the same machine."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: one writer at a time by cron alone
            fcntl = None  # type: ignore[assignment]
        if fcntl is not None:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX)
        yield file
        file.flush()
        os.fsync(file.fileno())


def read_checkpoints(path: Path) -> Iterator[Checkpoint | str]:
    """Each line's checkpoint, or a sentence saying why the line is not one."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                yield Checkpoint(chain=str(data["chain"]), entries=int(data["entries"]),
                                 head=str(data["head"]), time=str(data["time"]),
                                 key_id=str(data["key_id"]), signature=str(data["signature"]),
                                 number=number)
            except (ValueError, KeyError, TypeError):
                yield f"line {number} of {path} is not a checkpoint"


def latest_per_chain(path: Path) -> dict[str, Checkpoint]:
    latest: dict[str, Checkpoint] = {}
    for item in read_checkpoints(path):
        if isinstance(item, Checkpoint):
            latest[item.chain] = item
    return latest


# --- taking and checking --------------------------------------------------------------------------

def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _hash_at(model: Any, seq: int) -> str | None:
    return db.session.execute(select(model.hash).where(model.seq == seq)).scalar_one_or_none()


def take(private_key: Ed25519PrivateKey, path: Path) -> list[Checkpoint]:
    """Sign every chain's head and append the checkpoints to `path`. A chain that does not
    verify up to its head is never signed: the checkpoint would vouch for the damage."""
    signer_id = key_id(private_key.public_key())
    taken = []
    for model in CHAINED_LOGS:
        head = chain.read_head(model) or (0, chain.GENESIS_HASH)
        result = chain.verify(model)
        if not result.valid:
            raise CheckpointError(f"{model.CHAIN} is broken at entry {result.first_invalid} "
                                  f"({result.reason}); no checkpoint was taken.")
        if head[0] and _hash_at(model, head[0]) != head[1]:
            raise CheckpointError(f"{model.CHAIN}: entry {head[0]} does not hold the head's "
                                  "hash; no checkpoint was taken.")
        unsigned = Checkpoint(model.CHAIN, head[0], head[1], _now(), signer_id, "")
        signature = base64.b64encode(private_key.sign(unsigned.statement())).decode()
        taken.append(Checkpoint(**{**unsigned.as_dict(), "signature": signature}))
    with _appending(path) as file:
        file.writelines(json.dumps(c.as_dict(), sort_keys=True) + "\n" for c in taken)
    return taken


@dataclass
class CheckpointReport:
    path: str
    read: int = 0
    problems: list[str] | None = None
    latest: dict[str, Checkpoint] | None = None

    @property
    def valid(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.path, "checked": self.read, "valid": self.valid,
                "problems": list(self.problems or []),
                "latest": [c.as_dict() for c in (self.latest or {}).values()]}


def check(path: Path, public_key: Ed25519PublicKey) -> CheckpointReport:
    """Check every checkpoint in `path` against the log: signed with this key, and the log
    still holds its head hash at its position. (That the chain up to there is whole is
    `chain.verify`'s part; run both.)"""
    problems: list[str] = []
    latest: dict[str, Checkpoint] = {}
    report = CheckpointReport(str(path), problems=problems, latest=latest)
    models = {model.CHAIN: model for model in CHAINED_LOGS}
    expected_key = key_id(public_key)
    current = {name: chain.read_head(model) for name, model in models.items()}
    for item in read_checkpoints(path):
        if isinstance(item, str):
            problems.append(item)
            continue
        report.read += 1
        problem = _problem(item, public_key, expected_key, models, current)
        if problem:
            problems.append(f"{item.chain}: {item.name}: {problem}")
        latest[item.chain] = item
    return report


def _problem(checkpoint: Checkpoint, public_key: Ed25519PublicKey, expected_key: str,
             models: dict[str, Any], current: dict[str, tuple[int, str] | None]) -> str | None:
    if checkpoint.key_id != expected_key:
        return f"signed with key {checkpoint.key_id}, not with {expected_key}"
    try:
        public_key.verify(base64.b64decode(checkpoint.signature, validate=True),
                          checkpoint.statement())
    except (InvalidSignature, ValueError):
        return "the signature does not match (the checkpoint was altered or not signed here)"
    model = models.get(checkpoint.chain)
    if model is None:
        return "names no log of this application"
    if checkpoint.entries == 0:
        return None if checkpoint.head == chain.GENESIS_HASH else "an empty log with a head hash"
    found = _hash_at(model, checkpoint.entries)
    if found is None:
        entries = (current[checkpoint.chain] or (0, ""))[0]
        return (f"the log now has {entries} entries: it was cut back behind this checkpoint "
                f"(entry {checkpoint.entries} is gone)")
    if found != checkpoint.head:
        return (f"entry {checkpoint.entries} no longer has the checkpoint's head hash: the log "
                "was rewritten up to or after this checkpoint")
    return None


def configured_report(config: Any) -> CheckpointReport | None:
    """The checkpoints of the configured file, checked with the configured key; None when
    none are configured. A missing key is reported as a problem, not raised."""
    if not config.get("CHECKPOINTS"):
        return None
    path = checkpoint_file(config["CHECKPOINTS"])
    try:
        public_key = verifying_key(config)
    except CheckpointError as error:
        return CheckpointReport(str(path), problems=[str(error)], latest=latest_per_chain(path))
    return check(path, public_key)


def latest_configured(config: Any) -> dict[str, Checkpoint]:
    """The latest checkpoint of each chain in the configured file (none when unset)."""
    with suppress(CheckpointError, OSError):
        return latest_per_chain(checkpoint_file(config.get("CHECKPOINTS")))
    return {}
