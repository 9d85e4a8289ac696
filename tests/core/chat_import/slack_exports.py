"""Slack export ZIPs for tests, built from the files in chat_exports/ (see its README)."""

import io
import json
import zipfile
from pathlib import Path

WORKSPACE = Path(__file__).parent / "chat_exports" / "slack_workspace"


def workspace_files(*, users: bool = True, channels: tuple[str, ...] = ()) -> dict[str, bytes]:
    """The export's files by their path in the ZIP (only `channels`' folders, when given)."""
    files = {}
    for path in sorted(WORKSPACE.rglob("*.json")):
        name = path.relative_to(WORKSPACE).as_posix()
        if name == "users.json" and not users:
            continue
        if "/" in name and channels and name.split("/")[0] not in channels:
            continue
        files[name] = path.read_bytes()
    return files


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def workspace_zip(**kwargs) -> bytes:
    return zip_of(workspace_files(**kwargs))


def day_file(count: int, *, start: int = 1793613600, user: str = "U024BE7LH") -> bytes:
    """A day of `count` plain messages from one person, a second apart."""
    messages = [
        {"type": "message", "user": user, "text": f"step {n} *done*", "ts": f"{start + n}.000100"}
        for n in range(count)
    ]
    return json.dumps(messages).encode()
