"""The alerts in one SNS message, whatever its shape.

Read, in this order, as
1. the JSON that ``amp_alerting_sns.tmpl`` makes Alertmanager publish, repaired where Alertmanager
   0.25 templates produce invalid JSON, and salvaged alert by alert when AMP cut it at 256 KB;
2. AMP's default text message ("Alerts Firing:" / "Labels:" / " - name = value" / "Source:");
3. anything else: a "raw" notification, posted as received. Nothing is dropped.
"""

import json
import re

# One JSON escape: \uXXXX, \xNN (Go's %q), or a backslash and any character.
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_ESCAPE_FIXES = {"a": "\\u0007", "v": "\\u000b", "'": "'", "0": "\\u0000"}
_JSON_ESCAPES = set('"\\/bfnrtu')
_ALERTS_KEY = re.compile(r'"alerts"\s*:\s*\[')
# Alertmanager's default SNS subject: "[FIRING:3] alertname (labels)".
_SUBJECT_FIRING_COUNT = re.compile(r"^\[FIRING:(\d+)\]")


def _repair_escapes(text):
    """Turn the escapes Go templates produce (js: \\' ; printf %q: \\x00 \\a \\v) into JSON ones."""
    def fix(match):
        escape = match.group(1)
        if escape[0] == "x" and len(escape) == 3:
            return "\\u00" + escape[1:]
        if escape in _ESCAPE_FIXES:
            return _ESCAPE_FIXES[escape]
        if escape[0] in _JSON_ESCAPES:
            return match.group(0)
        return "\\\\" + escape  # a stray backslash (e.g. a regexp-quoted receiver): keep it literally
    return _ESCAPE.sub(fix, text)


def _repair_bare_quotes(text):
    """Escape the double quotes that a template left unescaped inside string values.

    Common JSON templates print annotations as they are ("description": "Network interface
    "eth0" is flapping"). Inside a string, a quote closes it only when what follows (spaces aside)
    may follow that string: ':' after an object key; ',', '}' or ']' (or the end) after a value.
    Any other quote is the value's own.
    """
    out, containers, expecting_key = [], [], False
    index, length, closers = 0, len(text), None
    while index < length:
        char = text[index]
        if closers is not None:  # inside a string
            if char == "\\":
                out.append(text[index:index + 2])
                index += 2
                continue
            if char == '"':
                following = index + 1
                while following < length and text[following] in " \t\r\n":
                    following += 1
                if following == length or text[following] in closers:
                    closers = None
                else:
                    char = '\\"'
        elif char == '"':
            closers = ":" if expecting_key else ",}]"
        elif char in "{[":
            containers.append(char)
            expecting_key = char == "{"
        elif char in "}]":
            if containers:
                containers.pop()
        elif char == ",":
            expecting_key = bool(containers) and containers[-1] == "{"
        elif char == ":":
            expecting_key = False
        out.append(char)
        index += 1
    return "".join(out)


def _load_json(text):
    """Parse JSON leniently: raw control characters allowed, Go-style escapes and bare quotes repaired."""
    try:
        return json.loads(text, strict=False), False
    except ValueError:
        pass
    repaired = _repair_escapes(text)
    for candidate in (repaired, _repair_bare_quotes(repaired)):
        try:
            return json.loads(candidate, strict=False), False
        except ValueError:
            pass
    return _salvage(repaired), True


def _salvage(text):
    """Recover the header fields and every complete alert from JSON cut short (AMP's 256 KB limit)."""
    found = _ALERTS_KEY.search(text)
    if not found:
        return None
    head = text[:found.start()].rstrip().rstrip(",") + "}"
    try:
        data = json.loads(head, strict=False)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    decoder = json.JSONDecoder(strict=False)
    alerts, position = [], found.end()
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        try:
            alert, position = decoder.raw_decode(text, position)
        except ValueError:
            break
        if not isinstance(alert, dict):
            break
        alerts.append(alert)
    data["alerts"] = alerts
    return data


def _string_map(value):
    if not isinstance(value, dict):
        return {}
    return {str(key): "" if item is None else str(item) for key, item in value.items()}


def _alert_from_json(item):
    status = str(item.get("status") or "firing").lower()
    return {
        "status": "resolved" if status == "resolved" else "firing",
        "labels": _string_map(item.get("labels")),
        "annotations": _string_map(item.get("annotations")),
        "starts_at": str(item.get("startsAt") or ""),
        "ends_at": str(item.get("endsAt") or ""),
        "generator_url": str(item.get("generatorURL") or ""),
        "fingerprint": str(item.get("fingerprint") or ""),
    }


def _parse_json_message(message):
    stripped = message.strip()
    if not stripped.startswith("{"):
        return None
    data, salvaged = _load_json(stripped)
    if not isinstance(data, dict) or not isinstance(data.get("alerts"), list):
        return None
    alerts = [_alert_from_json(item) for item in data["alerts"] if isinstance(item, dict)]
    if not alerts:
        return None
    firing = sum(1 for alert in alerts if alert["status"] == "firing")
    notification = {
        "format": "json",
        "status": "firing" if str(data.get("status", "")).lower() == "firing" or firing else "resolved",
        "receiver": re.sub(r"\\(.)", r"\1", str(data.get("receiver") or "")),
        "group_labels": _string_map(data.get("groupLabels")),
        "common_labels": _string_map(data.get("commonLabels")),
        "alerts": alerts,
        "firing_count": _count(data.get("firingCount"), firing),
        "resolved_count": _count(data.get("resolvedCount"), len(alerts) - firing),
        "notes": [],
    }
    if salvaged:
        notification["notes"].append(
            f"The message was cut short; {len(alerts)} complete alert(s) recovered from it.")
    return notification


def _count(value, fallback):
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else fallback


def _in_template_order(previous, name):
    """Whether ``name`` may follow ``previous`` in one alert's labels or annotations: Alertmanager's
    SortedPairs prints alertname first, then the names in sorted order, each once."""
    if previous is None:
        return True
    if name == "alertname":
        return False
    return previous == "alertname" or name > previous


def _parse_default_text(message):
    """Rebuild the alerts from Alertmanager's default SNS text (see default.tmpl, sns.default.message).

    Values are printed as they are, so a value may hold lines that look like the template's own
    ("Labels:", " - name = value"). Such a line is read as the template's only where the template
    can print it: "Labels:" once the previous alert's "Source:" line is passed, "Annotations:" after
    its labels, "Source:" after its annotations, a pair whose name follows the previous one in
    Alertmanager's order. Anything else continues the value before it.
    """
    alerts, section, current, mode, last_key = [], None, None, None, None
    for line in message.split("\n"):
        open_alert = current is not None and mode is not None
        if not open_alert and line in ("Alerts Firing:", "Alerts Resolved:"):
            section, current, mode = ("firing" if line == "Alerts Firing:" else "resolved"), None, None
        elif section and not open_alert and line == "Labels:":
            current = {"status": section, "labels": {}, "annotations": {}, "starts_at": "", "ends_at": "",
                       "generator_url": "", "fingerprint": ""}
            alerts.append(current)
            mode, last_key = "labels", None
        elif mode == "labels" and line == "Annotations:":
            mode, last_key = "annotations", None
        elif mode == "annotations" and (line == "Source:" or line.startswith("Source: ")):
            current["generator_url"] = line[len("Source:"):].strip()
            mode = None
        elif mode and line.startswith(" - ") and " = " in line \
                and _in_template_order(last_key, line[3:].split(" = ", 1)[0]):
            last_key, value = line[3:].split(" = ", 1)
            current[mode][last_key] = value
        elif mode and last_key is not None:
            # a value with newlines continues on the following lines
            current[mode][last_key] += "\n" + line
    if not any(alert["labels"] for alert in alerts):
        return None
    firing = sum(1 for alert in alerts if alert["status"] == "firing")
    return {
        "format": "text", "status": "firing" if firing else "resolved", "receiver": "",
        "group_labels": {}, "common_labels": _common(alert["labels"] for alert in alerts),
        "alerts": alerts, "firing_count": firing, "resolved_count": len(alerts) - firing, "notes": [],
    }


def _common(label_sets):
    label_sets = list(label_sets)
    if not label_sets:
        return {}
    common = dict(label_sets[0])
    for labels in label_sets[1:]:
        common = {key: value for key, value in common.items() if labels.get(key) == value}
    return common


def _attribute(attributes, name):
    value = (attributes or {}).get(name)
    if isinstance(value, dict):
        value = value.get("Value")
    return None if value is None else str(value)


def _raw(message, subject):
    return {"format": "raw", "status": "unknown", "receiver": "", "group_labels": {}, "common_labels": {},
            "alerts": [], "firing_count": 0, "resolved_count": 0, "notes": [], "raw": message,
            "subject": subject or ""}


def parse_notification(message, subject="", attributes=None):
    """The alerts in one SNS message, whatever its shape; never None."""
    message = message if isinstance(message, str) else json.dumps(message)
    notification = _parse_json_message(message) or _parse_default_text(message)
    if notification is None:
        notification = _raw(message, subject)
    notification["subject"] = subject or ""
    truncated = (_attribute(attributes, "truncated") or "").lower() == "true"
    counted = _SUBJECT_FIRING_COUNT.match(notification["subject"])
    if notification["format"] == "text" and counted and not truncated \
            and int(counted.group(1)) != notification["firing_count"]:
        # The subject counts what Alertmanager sent; a text read otherwise was read wrong (a value
        # that imitates the template): shown as received rather than as alerts that may not exist.
        notification = _raw(message, subject)
        notification["notes"].append(f"The subject counts {counted.group(1)} firing alert(s), the text reads "
                                     "otherwise: shown as received.")
    if truncated:
        notification["truncated"] = True
        notification["notes"].insert(0, "AMP truncated this message (SNS limit 256 KB): some alerts may be missing.")
        # The body was cut, the subject was not: Alertmanager's subject counts every firing alert.
        if counted and int(counted.group(1)) > notification["firing_count"]:
            notification["firing_count"] = int(counted.group(1))
    modified = _attribute(attributes, "modified")
    if modified:
        notification["notes"].append(f"AMP modified the message: {modified}")
    return notification
