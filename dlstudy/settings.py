"""User settings: ``settings.toml`` in the data dir, overridden by the environment.

The language falls back to the locale (zh for a Chinese locale, else en).
"""

from __future__ import annotations

import locale
import math
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path


def default_lang(configured: str | None = None) -> str:
    """``DLSTUDY_LANG``, else the settings file's ``lang``, else the locale (zh or en).
    (An unusable ``DLSTUDY_LANG`` is reported by :func:`load_settings`; here it is skipped.)"""
    try:
        env = env_lang()
    except SettingsError:
        env = None
    if env is not None:
        return env
    if configured in ("en", "zh"):
        return configured
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "zh" if loc.lower().startswith("zh") else "en"


SETTINGS_FILE = "settings.toml"


class SettingsError(ValueError):
    """The settings file (or an environment override) holds a value dlstudy cannot use."""


@dataclass
class Settings:
    """What a user can configure; ``settings.toml`` in the data dir, then environment overrides.

    Attributes:
        lang: ``en`` or ``zh``; None means "ask ``DLSTUDY_LANG``, then the locale".
        new_per_day: new cards ``review`` introduces per local day at most.
        desired_retention: the probability of recall FSRS aims for when it picks an interval.
        extra_folders: folders of the user's own decks (and derivations), in addition to the
            bundled ones.
        interview_date: the day ``review`` plans for (ISO ``YYYY-MM-DD``), None: no date;
            ``dlstudy plan`` uses it when ``--until`` is not given.
        minutes_per_day: the daily study budget a plan works with.
        easy_within, hard_after: seconds; a right answer to an exercise or a claim is graded
            Good, or Easy when given within ``easy_within``, Hard after ``hard_after``
            (0, the default, turns a rule off: FSRS schedules best from Again/Good).
        leech_lapses: a card forgotten this many times once learned is a leech (Anki's
            default: 8).
        leech_action: ``tag`` (mark it a leech) or ``suspend`` (also suspend it).
    """

    lang: str | None = None
    new_per_day: int = 10
    desired_retention: float = 0.9
    extra_folders: list[str] = field(default_factory=list)
    easy_within: float = 0.0
    hard_after: float = 0.0
    interview_date: str | None = None
    minutes_per_day: int = 30
    leech_lapses: int = 8
    leech_action: str = "tag"

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"new_per_day": self.new_per_day,
                                   "desired_retention": self.desired_retention,
                                   "extra_folders": list(self.extra_folders),
                                   "easy_within": self.easy_within, "hard_after": self.hard_after}
        if self.lang is not None:
            data["lang"] = self.lang
        if self.interview_date is not None:
            data["interview_date"] = self.interview_date
        data["minutes_per_day"] = self.minutes_per_day
        data["leech_lapses"] = self.leech_lapses
        data["leech_action"] = self.leech_action
        return data

    @classmethod
    def from_dict(cls, data: dict[str, object], where: str = "settings",
                  lines: dict[str, int] | None = None) -> Settings:
        """Settings from a parsed file; ``lines`` (key → line number) makes each message
        ``where:LINE: what is wrong``. Values must have their TOML type: text is not a number."""
        def at(key: str) -> str:
            return f"{where}:{lines[key]}" if lines and key in lines else where

        known = ("lang", "new_per_day", "desired_retention", "extra_folders", "easy_within",
                 "hard_after", "interview_date", "minutes_per_day", "leech_lapses", "leech_action")
        unknown = sorted(set(data) - set(known))
        if unknown:
            import difflib

            near = difflib.get_close_matches(unknown[0], known, n=1)
            raise SettingsError(f"{at(unknown[0])}: unknown setting `{unknown[0]}` (known: "
                                f"{', '.join(known)})" + (f" — did you mean `{near[0]}`?"
                                                          if near else ""))
        settings = cls()
        if "lang" in data:
            settings.lang = _check_lang(data["lang"], at("lang"))
        if "new_per_day" in data:
            settings.new_per_day = _check_new(data["new_per_day"], at("new_per_day"), text=False)
        if "desired_retention" in data:
            settings.desired_retention = _check_retention(data["desired_retention"],
                                                          at("desired_retention"), text=False)
        if "extra_folders" in data:
            folders = data["extra_folders"]
            if not (isinstance(folders, list) and all(isinstance(f, str) for f in folders)):
                raise SettingsError(f"{at('extra_folders')}: extra_folders must be a list of "
                                    "paths (strings)")
            settings.extra_folders = list(folders)
        if "easy_within" in data:
            settings.easy_within = _check_seconds(data["easy_within"], f"{at('easy_within')}: "
                                                  "easy_within", text=False)
        if "hard_after" in data:
            settings.hard_after = _check_seconds(data["hard_after"], f"{at('hard_after')}: "
                                                 "hard_after", text=False)
        if "interview_date" in data:
            settings.interview_date = _check_date(data["interview_date"], at("interview_date"))
        if "minutes_per_day" in data:
            settings.minutes_per_day = _check_minutes(data["minutes_per_day"],
                                                      at("minutes_per_day"), text=False)
        if "leech_lapses" in data:
            value = data["leech_lapses"]
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1000:
                raise SettingsError(f"{at('leech_lapses')}: leech_lapses must be a whole number "
                                    f"from 1 to 1000, not {_quoted(value)}")
            settings.leech_lapses = value
        if "leech_action" in data:
            if data["leech_action"] not in ("tag", "suspend"):
                raise SettingsError(f"{at('leech_action')}: leech_action must be \"tag\" or "
                                    f"\"suspend\", not {_quoted(data['leech_action'])}")
            settings.leech_action = str(data["leech_action"])
        _check_thresholds(settings, at("hard_after" if "hard_after" in data else "easy_within"))
        return settings

    def to_toml(self) -> str:
        """The file as dlstudy writes it: every setting, each with a line saying what it does."""
        folders = ", ".join(_toml_str(f) for f in self.extra_folders)
        lang = f"lang = {_toml_str(self.lang)}" if self.lang else '# lang = "en"'
        return (
            "# dlstudy settings. Environment variables override them: DLSTUDY_LANG,\n"
            "# DLSTUDY_NEW_PER_DAY, DLSTUDY_RETENTION, DLSTUDY_EASY_WITHIN, DLSTUDY_HARD_AFTER,\n"
            "# DLSTUDY_INTERVIEW_DATE, DLSTUDY_MINUTES_PER_DAY (and DLSTUDY_DECKS adds deck folders).\n\n"
            "# Language of the cards: \"en\" or \"zh\" (unset: the locale decides).\n"
            f"{lang}\n\n"
            "# New cards `dlstudy review` introduces per day.\n"
            f"new_per_day = {self.new_per_day}\n\n"
            "# Probability of recall the scheduler aims for (0.7 to 0.99; higher = more reviews).\n"
            f"desired_retention = {self.desired_retention}\n\n"
            "# Folders with your own decks (questions/*.yaml) and derivations (derivations/*.py).\n"
            f"extra_folders = [{folders}]\n\n"
            "# Exercises and true/false claims grade themselves: wrong = Again, right = Good.\n"
            "# To let speed count: right within easy_within seconds = Easy, after hard_after\n"
            "# seconds = Hard (0 = off; Easy on a new card puts it about 8 days away).\n"
            f"easy_within = {self.easy_within:g}\n"
            f"hard_after = {self.hard_after:g}\n\n"
            "# The day of your interview: `dlstudy review` then plans for it (see `dlstudy plan`).\n"
            f"{'interview_date = ' + self.interview_date if self.interview_date else '# interview_date = 2026-12-20'}\n"
            "# Minutes a day a plan for that date may use.\n"
            f"minutes_per_day = {self.minutes_per_day}\n\n"
            "# A card forgotten leech_lapses times once learned is a leech: its proof is shown at\n"
            "# once when it is forgotten again; leech_action = \"suspend\" also suspends it.\n"
            f"leech_lapses = {self.leech_lapses}\n"
            f"leech_action = {_toml_str(self.leech_action)}\n"
        )


def _toml_str(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _from_text(value: object, kind: type, text: bool) -> object:
    """A setting given as text (an environment variable) converted, when it parses as ``kind``.
    In the file (``text`` False) a quoted number stays text, and is refused as such."""
    if text and isinstance(value, str):
        try:
            return kind(value.strip())
        except ValueError:
            pass
    return value


def _quoted(value: object) -> str:
    """How a refused value is named: text gets a hint to drop the quotes."""
    if isinstance(value, str):
        return f"the text {value!r} (write numbers without quotes)"
    return repr(value)


MAX_NEW_PER_DAY = 10_000


def _check_lang(value: object, where: str) -> str:
    if value not in ("en", "zh"):
        raise SettingsError(f"{where}: lang must be \"en\" or \"zh\", not {value!r}")
    return str(value)


def _check_new(value: object, where: str, text: bool = True) -> int:
    value = _from_text(value, int, text)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_NEW_PER_DAY:
        raise SettingsError(f"{where}: new_per_day must be a whole number from 0 to "
                            f"{MAX_NEW_PER_DAY:,}, not {_quoted(value)}")
    return value


def _check_retention(value: object, where: str, text: bool = True) -> float:
    value = _from_text(value, float, text)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.7 <= value <= 0.99:
        raise SettingsError(f"{where}: desired_retention must be a number from 0.7 to 0.99, "
                            f"not {_quoted(value)}")
    return float(value)


MAX_MINUTES = 24 * 60


def _check_minutes(value: object, where: str, text: bool = True) -> int:
    value = _from_text(value, int, text)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_MINUTES:
        raise SettingsError(f"{where}: minutes_per_day must be a whole number of minutes from 1 "
                            f"to {MAX_MINUTES}, not {_quoted(value)}")
    return value


def _check_date(value: object, where: str) -> str:
    """A date: TOML's own (``2026-12-20``) or the same as text; kept as ISO text."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise SettingsError(f"{where}: interview_date must be a date written YYYY-MM-DD "
                        f"(e.g. 2026-12-20), not {value!r}")


def _check_seconds(value: object, where: str, text: bool = True) -> float:
    value = _from_text(value, float, text)
    if not isinstance(value, (int, float)) or isinstance(value, bool) \
            or not 0 <= value < math.inf:
        raise SettingsError(f"{where} must be a number of seconds ≥ 0, not {_quoted(value)}")
    return float(value)


def _check_thresholds(settings: Settings, where: str) -> None:
    if settings.easy_within > 0 and settings.hard_after > 0 \
            and settings.easy_within > settings.hard_after:
        raise SettingsError(f"{where}: easy_within ({settings.easy_within:g} s) must not exceed "
                            f"hard_after ({settings.hard_after:g} s)")


def _read_toml(text: str, path: Path) -> dict[str, object]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10: the same parser, as a package (declared in pyproject.toml)
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        if found:
            number = int(found.group(1))
            message = message.replace(found.group(0), "").strip()
            lines = text.splitlines()
            line = lines[number - 1] if 0 < number <= len(lines) else ""
            # `interview_date = 2026-12-40` is a TOML syntax error ("Expected newline or end of
            # document after a statement"); what is wrong is the date
            date = re.match(r"\s*interview_date\s*=\s*(\d{4}-\d\d-\d\d)(?![\d:T])", line)
            if date and not _is_date(date.group(1)):
                message = ("interview_date must be a date written YYYY-MM-DD (e.g. 2026-12-20), "
                           f"not {date.group(1)!r}")
            raise SettingsError(f"{path}:{number}: {message}") from None
        raise SettingsError(f"{path}: {message}") from None


def _is_date(text: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _key_lines(text: str) -> dict[str, int]:
    """The line of each top-level ``key = value`` (for messages)."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        found = re.match(r"\s*([A-Za-z0-9_-]+)\s*=", line)
        if found:
            lines.setdefault(found.group(1), number)
        elif line.lstrip().startswith("["):
            break  # a table: its keys are not settings
    return lines


def env_lang() -> str | None:
    """``DLSTUDY_LANG`` as en or zh (``zh_CN.UTF-8`` counts as zh); None when unset.
    Raises :class:`SettingsError` for another language."""
    value = os.environ.get("DLSTUDY_LANG", "").strip()
    if not value:
        return None
    code = re.split(r"[_.@-]", value.lower(), maxsplit=1)[0]
    if code not in ("en", "zh"):
        raise SettingsError(f"DLSTUDY_LANG must be en or zh, not {value!r} (unset it to follow "
                            "the locale)")
    return code


def load_settings(data_dir: Path) -> Settings:
    """``settings.toml`` from ``data_dir`` (defaults when absent), then the environment."""
    path = data_dir / SETTINGS_FILE
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: a byte-order mark is accepted
    except FileNotFoundError:
        settings = Settings()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot read: {exc}") from None
    else:
        settings = Settings.from_dict(_read_toml(text, path), str(path), _key_lines(text))
    env = os.environ
    lang = env_lang()
    if lang is not None:
        settings.lang = lang
    if env.get("DLSTUDY_NEW_PER_DAY"):
        settings.new_per_day = _check_new(env["DLSTUDY_NEW_PER_DAY"], "DLSTUDY_NEW_PER_DAY")
    if env.get("DLSTUDY_RETENTION"):
        settings.desired_retention = _check_retention(env["DLSTUDY_RETENTION"], "DLSTUDY_RETENTION")
    if env.get("DLSTUDY_EASY_WITHIN"):
        settings.easy_within = _check_seconds(env["DLSTUDY_EASY_WITHIN"], "DLSTUDY_EASY_WITHIN")
    if env.get("DLSTUDY_HARD_AFTER"):
        settings.hard_after = _check_seconds(env["DLSTUDY_HARD_AFTER"], "DLSTUDY_HARD_AFTER")
    if env.get("DLSTUDY_INTERVIEW_DATE"):
        settings.interview_date = _check_date(env["DLSTUDY_INTERVIEW_DATE"],
                                              "DLSTUDY_INTERVIEW_DATE")
    if env.get("DLSTUDY_MINUTES_PER_DAY"):
        settings.minutes_per_day = _check_minutes(env["DLSTUDY_MINUTES_PER_DAY"],
                                                  "DLSTUDY_MINUTES_PER_DAY")
    _check_thresholds(settings, "settings (with the environment)")
    return settings


def write_default_settings(data_dir: Path) -> Path | None:
    """Write a commented ``settings.toml`` for the user to edit, unless one exists already."""
    path = data_dir / SETTINGS_FILE
    if path.exists():
        return None
    tmp = path.with_name(f".{SETTINGS_FILE}.{os.getpid()}.tmp")
    tmp.write_text(Settings().to_toml(), encoding="utf-8")
    try:
        os.link(tmp, path)  # never replaces a file another process wrote meanwhile
    except FileExistsError:
        return None
    except OSError:
        os.replace(tmp, path)
        return path
    finally:
        tmp.unlink(missing_ok=True)
    return path
