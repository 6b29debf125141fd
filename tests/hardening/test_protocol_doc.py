"""docs/protocol.md's "→ server" frame tables against the pydantic models the server validates
with (handoff/api/frame_models.py): same frame types, same fields, same optional marks (`x`?)."""
from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from handoff.api.frame_models import AgentFrame, CitizenFrame

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def doc_table(heading: str) -> dict[str, dict[str, bool]]:
    """{frame type: {field: required}} from the table under ``heading``."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
    rows: dict[str, dict[str, bool]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        kind = cells[0].strip("`")
        described = re.sub(r"\([^)]*\)", "", cells[1])  # "(`ready`/`break`…)" describes values, not fields
        fields = {name: not optional for name, optional in re.findall(r"`(\w+)`(\?)?", described)}
        rows[kind] = fields
    return rows


def model_table(union: object) -> dict[str, dict[str, bool]]:
    members = typing.get_args(typing.get_args(union)[0])
    rows = {}
    for model in members:
        assert issubclass(model, BaseModel)
        kind = typing.get_args(model.model_fields["type"].annotation)[0]
        rows[kind] = {name: f.is_required() for name, f in model.model_fields.items() if name != "type"}
    return rows


@pytest.mark.parametrize(("heading", "union"), [("Citizen → server", CitizenFrame), ("Agent → server", AgentFrame)])
def test_frame_tables_match_the_models(heading: str, union: object) -> None:
    documented, accepted = doc_table(heading), model_table(union)
    assert sorted(documented) == sorted(accepted), "frame types differ between docs/protocol.md and the models"
    for kind in accepted:
        assert documented[kind] == accepted[kind], f"{heading} `{kind}`: doc {documented[kind]} vs model {accepted[kind]}"


def test_doc_names_the_agent_rate_limit_and_no_form_frame() -> None:
    from handoff.api.agent_ws import AGENT_RATE_FRAMES
    from handoff.api.frames import RATE_FRAMES

    text = DOC.read_text(encoding="utf-8")
    assert f"**{RATE_FRAMES} frames in 10 seconds**" in text and f"**{AGENT_RATE_FRAMES}** from an agent" in text
    server_to_citizen = text.split("### Server → citizen\n", 1)[1].split("\n### ", 1)[0]
    assert "| `form` |" not in server_to_citizen
