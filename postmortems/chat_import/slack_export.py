"""Reading a Slack export as Slack writes it, without ever extracting it to disk.

Two shapes are accepted (https://slack.com/help/articles/220556107):
- the workspace export ZIP: `users.json`, `channels.json` (and `groups.json`,
  `mpims.json`, `dms.json` for private conversations), and one folder per channel
  holding one `YYYY-MM-DD.json` file per day, each a JSON list of messages; the
  files may also sit under one top folder (an export unzipped and zipped again);
- a channel's day files and `users.json` uploaded as several files.

The result is one channel's messages plus the names of users and channels, as
JSON (`carried_json`) that the preview carries to the import step and that
`chat_import.parse_transcript` reads like a pasted export.

A ZIP is untrusted: the member count, every member's size and the total size are
checked from the directory before anything is read, every read is bounded again
(a member may lie about its size), and a member whose path would leave the archive
(`../`, an absolute path, a drive) refuses the whole archive.
"""

import json
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO

from lib.json_input import JsonInputError, JsonSyntaxError, loads_untrusted

MAX_UPLOAD_BYTES = 25_000_000  # what is uploaded (compressed)
MAX_MEMBERS = 20_000
MAX_FILE_BYTES = 10_000_000  # one JSON file, uncompressed
MAX_TOTAL_BYTES = 200_000_000  # every member, uncompressed, as the directory says
MAX_READ_BYTES = 50_000_000  # what one import actually reads and decompresses
# The preview carries the chosen channel to the import step in a form field.
MAX_CARRIED_BYTES = 2_000_000

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_CHANNEL_LISTS = ("channels.json", "groups.json", "mpims.json", "dms.json")
# Fields of a message the conversion reads; the rest (blocks when there is text,
# reactions, edits, profiles' images) stays behind so the carried JSON stays small.
_KEPT = ("ts", "thread_ts", "parent_user_id", "user", "username", "bot_id", "subtype", "text")
_KEPT_ATTACHMENT = (
    "fallback", "pretext", "title", "title_link", "text", "fields", "from_url",
    "original_url", "is_app_unfurl", "is_msg_unfurl",
)  # fmt: skip


class ExportError(ValueError):
    """The upload cannot be read as a Slack export; the message says why."""


class ChannelChoice(ExportError):
    """The export holds several channels and none (or an unknown one) was chosen."""

    def __init__(self, channels: list[tuple[str, int]]) -> None:
        self.channels = channels  # (name, number of day files)
        super().__init__(
            f"This export holds {len(channels)} channels: choose one and upload it again."
        )


@dataclass
class SlackExport:
    channel: str
    messages: list[object]  # dicts, but kept as found: the parser reports the rest
    users: dict[str, str] = field(default_factory=dict)  # id -> name
    channels: dict[str, str] = field(default_factory=dict)  # id -> name
    notes: list[str] = field(default_factory=list)  # warnings for the preview


def user_name(user: dict) -> str:
    """The name people know: the full name, else the display name, else the handle."""
    profile = user.get("profile")
    if not isinstance(profile, dict):
        profile = {}
    for name in (
        user.get("real_name"),
        profile.get("real_name"),
        profile.get("display_name"),
        user.get("name"),
    ):
        if isinstance(name, str) and name.strip():
            return name.strip()
    return str(user.get("id", ""))


def user_names(users: object) -> dict[str, str]:
    """users.json (a list of users) as id -> name."""
    if not isinstance(users, list):
        return {}
    return {
        u["id"]: user_name(u) for u in users if isinstance(u, dict) and isinstance(u.get("id"), str)
    }


def _channel_names(lists: Iterable[object]) -> dict[str, str]:
    names = {}
    for channels in lists:
        for channel in channels if isinstance(channels, list) else []:
            if isinstance(channel, dict) and isinstance(channel.get("id"), str):
                names[channel["id"]] = str(channel.get("name") or channel["id"])
    return names


def _load(data: bytes, name: str) -> object:
    # The untrusted reader, as for every JSON from outside: deep nesting, NUL, half a
    # UTF-16 pair or a 5,000-digit number is a clear error, not a failed page.
    try:
        return loads_untrusted(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ExportError(f"{name} is not valid JSON ({error}).") from None
    except JsonSyntaxError as error:
        detail = str(error).removeprefix("The body is not valid JSON: ").rstrip(".")
        raise ExportError(f"{name} is not valid JSON ({detail}).") from None
    except JsonInputError as error:
        raise ExportError(f"{name} cannot be imported: {error}") from None


def _kept(message: object) -> object:
    if not isinstance(message, dict):
        return message  # reported by the parser as "not a message"
    kept = {key: message[key] for key in _KEPT if key in message}
    for key, names in (("user_profile", ("real_name", "display_name")), ("bot_profile", ("name",))):
        if isinstance(message.get(key), dict):
            kept[key] = {n: message[key][n] for n in names if n in message[key]}
    if isinstance(message.get("attachments"), list):
        kept["attachments"] = [
            {k: a[k] for k in _KEPT_ATTACHMENT if k in a} if isinstance(a, dict) else a
            for a in message["attachments"]
        ]
    if isinstance(message.get("files"), list):
        kept["files"] = [
            {k: f[k] for k in ("name", "title", "permalink") if k in f}
            if isinstance(f, dict)
            else f
            for f in message["files"]
        ]
    has_text = isinstance(message.get("text"), str) and message["text"].strip()
    if not has_text and "blocks" in message:  # a bot's only text may be in its blocks
        kept["blocks"] = message["blocks"]
    return kept


def _day_messages(days: list[tuple[str, bytes]]) -> list[object]:
    messages: list[object] = []
    for name, data in sorted(days):
        day = _load(data, name)
        if not isinstance(day, list):
            raise ExportError(f"{name} is not a Slack day file (a JSON list of messages).")
        messages.extend(_kept(message) for message in day)
    return messages


def _notes(users: dict[str, str] | None) -> list[str]:
    if users is None:
        return [
            "users.json is missing: people show as Slack ids (such as U024BE7LH) where "
            "the messages do not carry their names. Add users.json to show names."
        ]
    return []


# The ZIP ----------------------------------------------------------------------


def _safe_name(name: str) -> bool:
    parts = name.split("/")
    return not (
        name.startswith("/")
        or "\\" in name
        or "\x00" in name
        or re.match(r"^[A-Za-z]:", name)
        or any(part == ".." for part in parts)
    )


def _root(names: set[str]) -> str:
    """The folder the export sits in: "" when users.json / channels.json are at the top,
    else the top folder that holds them (an export unzipped and zipped again; macOS
    adds a __MACOSX/ folder beside it), else the one top folder with channel folders."""
    tops = sorted({n.split("/", 1)[0] + "/" for n in names if "/" in n} - {"__MACOSX/"})
    for root in ("", *tops):
        if any(root + name in names for name in ("users.json", *_CHANNEL_LISTS)):
            return root
    if any(n.count("/") == 1 and _DAY.match(n.rsplit("/", 1)[1]) for n in names):
        return ""
    holding = {
        n.split("/", 1)[0] + "/"
        for n in names
        if n.count("/") == 2 and _DAY.match(n.rsplit("/", 1)[1]) and not n.startswith("__MACOSX/")
    }
    return holding.pop() if len(holding) == 1 else ""


class _Reader:
    """Bounded reads of one archive's members."""

    def __init__(self, archive: zipfile.ZipFile) -> None:
        self.archive, self.read_so_far = archive, 0

    def read(self, info: zipfile.ZipInfo) -> bytes:
        try:
            with self.archive.open(info) as member:
                data = member.read(MAX_FILE_BYTES + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError):
            raise ExportError(f"{info.filename} in the archive is damaged or encrypted.") from None
        self.read_so_far += len(data)
        if len(data) > MAX_FILE_BYTES or self.read_so_far > MAX_READ_BYTES:
            raise ExportError(
                f"{info.filename} unpacks to more than it says: refused (a ZIP bomb?)."
            )
        return data


def read_export_zip(*, upload: IO[bytes], channel: str = "") -> SlackExport:
    """One channel's messages from a workspace export ZIP (`channel`: a folder name,
    needed when there are several)."""
    try:
        archive = zipfile.ZipFile(upload)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError):
        raise ExportError("The file is not a ZIP archive (or it is damaged).") from None
    if len(infos) > MAX_MEMBERS:
        raise ExportError(f"The archive holds more than {MAX_MEMBERS:,} files: refused.")
    for info in infos:
        if not _safe_name(info.filename):
            raise ExportError(f"The archive holds a path outside itself ({info.filename}).")
        if info.file_size > MAX_FILE_BYTES:
            raise ExportError(
                f"{info.filename} is {info.file_size // 1_000_000:,} MB unpacked; at most "
                f"{MAX_FILE_BYTES // 1_000_000} MB per file."
            )
    if sum(info.file_size for info in infos) > MAX_TOTAL_BYTES:
        raise ExportError(f"The archive unpacks to more than {MAX_TOTAL_BYTES // 1_000_000} MB.")
    files = {info.filename: info for info in infos if not info.is_dir()}
    root = _root(set(files))
    reader = _Reader(archive)
    folders: dict[str, list[zipfile.ZipInfo]] = {}
    for name, info in files.items():
        parts = name.removeprefix(root).split("/") if name.startswith(root) else []
        if len(parts) == 2 and _DAY.match(parts[1]):
            folders.setdefault(parts[0], []).append(info)
    if not folders:
        raise ExportError(
            "No channel found: a Slack export holds one folder per channel with one "
            "YYYY-MM-DD.json file per day."
        )
    if channel not in folders:
        if len(folders) > 1 or channel:
            raise ChannelChoice(sorted((name, len(days)) for name, days in folders.items()))
        channel = next(iter(folders))
    users = None
    if users_file := files.get(root + "users.json"):
        users = user_names(_load(reader.read(users_file), "users.json"))
    lists = [_load(reader.read(files[root + n]), n) for n in _CHANNEL_LISTS if root + n in files]
    days = [(i.filename.rsplit("/", 1)[1], reader.read(i)) for i in folders[channel]]
    return SlackExport(
        channel=channel,
        messages=_day_messages(days),
        users=users or {},
        channels=_channel_names(lists),
        notes=_notes(users),
    )


# Several files ------------------------------------------------------------------


def read_export_files(*, files: list[tuple[str, bytes]]) -> SlackExport:
    """A channel's day files, users.json and (optionally) channels.json, as (name, bytes)."""
    unknown = [
        name
        for name, _ in files
        if not (_DAY.match(name) or name in ("users.json", *_CHANNEL_LISTS))
    ]
    if unknown:
        raise ExportError(
            f"Not a Slack export file: {', '.join(unknown[:5])}. Upload the export ZIP, or "
            "one channel's YYYY-MM-DD.json files with users.json."
        )
    days = [(name, data) for name, data in files if _DAY.match(name)]
    if not days:
        raise ExportError("No day files (YYYY-MM-DD.json) among the files.")
    named = dict(files)
    users = user_names(_load(named["users.json"], "users.json")) if "users.json" in named else None
    lists = [_load(named[n], n) for n in _CHANNEL_LISTS if n in named]
    return SlackExport(
        channel="",
        messages=_day_messages(days),
        users=users or {},
        channels=_channel_names(lists),
        notes=_notes(users),
    )


def carried_json(export: SlackExport) -> str:
    """The channel as a JSON transcript for the import step (see chat_import)."""
    text = json.dumps(
        {
            "channel": export.channel,
            "users": export.users,
            "channels": export.channels,
            "notes": export.notes,
            "messages": export.messages,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    if len(text.encode()) > MAX_CARRIED_BYTES:
        raise ExportError(
            f"This channel's messages come to more than {MAX_CARRIED_BYTES // 1_000_000} MB "
            "of text; upload fewer day files at a time (and users.json with them)."
        )
    return text


def read_export_upload(*, files: list, channel: str = "") -> SlackExport:
    """What the import form received: one ZIP, or day files with users.json (Django's
    uploaded files: `name`, `size`, file-like)."""
    if sum(f.size for f in files) > MAX_UPLOAD_BYTES:
        raise ExportError(
            f"The upload is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB: export fewer "
            "channels or a shorter date range."
        )
    zips = [f for f in files if f.name.lower().endswith(".zip") or zipfile.is_zipfile(f)]
    if zips and len(files) > 1:
        raise ExportError("Upload the export ZIP on its own.")
    if zips:
        zips[0].seek(0)
        return read_export_zip(upload=zips[0], channel=channel)
    read: list[tuple[str, bytes]] = []
    for upload in files:
        name = upload.name.rsplit("/", 1)[-1]
        if upload.size > MAX_FILE_BYTES:
            raise ExportError(f"{name} is larger than {MAX_FILE_BYTES // 1_000_000} MB.")
        upload.seek(0)
        read.append((name, upload.read(MAX_FILE_BYTES + 1)))
    if len(read) == 1 and not _DAY.match(read[0][0]) and read[0][0] != "users.json":
        raise ExportError(
            f"{read[0][0]} is not a ZIP archive or a Slack day file (YYYY-MM-DD.json)."
        )
    return read_export_files(files=read)
