"""After a case is answered: the public case-status lookup and the 5-point satisfaction survey.

**Status lookup.** Case number + the last 4 digits of the citizen's phone → the status and the
agency's published reply, nothing else (no name, no summary, no agency). A wrong pair answers
exactly like an unknown number, so the lookup reveals nothing; the page is rate-limited per client
(``handoff/api/case_status.py``).

**Survey.** The seed's scale (004 表1/表2/表3: □非常滿意 □滿意 □普通 □不滿意 □非常不滿意 = 5…1),
once per case, after the agency replied: answered by the citizen on the status page, or recorded
by staff who phoned the citizen (表1 「去電詢問民眾對案件處理之滿意度」). It is then forwarded to the
handling agency (表1 「轉知承辦機關」: a notification to its users, ``forwarded_at``), and scored in
the reports (``handoff/reports/scoring.py``: 「民眾未表示不滿意」 means no score of 1 or 2).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, insert, select, update

from handoff.cases.lifecycle import CaseError
from handoff.cases.notify import AGENCY, Notifier
from handoff.storage.database import Database
from handoff.storage.schema import case_surveys, cases, citizen_notices

SCALE = {5: "非常滿意", 4: "滿意", 3: "普通", 2: "不滿意", 1: "非常不滿意"}
DISSATISFIED = (1, 2)
PUBLIC_STATUS = {"draft": "已收件，審核中", "approved": "已收件，審核中", "dispatched": "已轉請相關機關處理",
                 "accepted": "相關機關處理中", "returned": "重新確認承辦機關中", "replied": "相關機關已回覆",
                 "closed": "已結案"}
SURVEYABLE = ("replied", "closed")
NUMBER = re.compile(r"^\d{7}-\d{4}$")
NOT_FOUND = "查無此案件，請確認案號及電話末四碼"  # what the public page hears for any wrong number/digits pair


def last4(case: Mapping[Any, Any]) -> str:
    """The last 4 digits of the citizen's phone (or of the free-text contact when no phone was kept)."""
    for value in (case.get("citizen_phone"), case.get("citizen_contact")):
        found = re.sub(r"\D", "", value or "")
        if len(found) >= 4:
            return found[-4:]
    return ""


def _match(c: Connection, number: str, digits: str) -> dict[str, Any] | None:
    if not NUMBER.match(number or "") or not re.fullmatch(r"\d{4}", digits or ""):
        return None
    row = c.execute(select(cases).where(cases.c.number == number)).first()
    if row is None or last4(row._mapping) != digits:
        return None
    return dict(row._mapping)


def public_view(case: Mapping[str, Any], surveyed: bool) -> dict[str, Any]:
    """What the public page may show: nothing but the status and the published reply."""
    replied = case["status"] in SURVEYABLE
    return {"number": case["number"], "status": PUBLIC_STATUS.get(case["status"], "處理中"),
            "reply": case.get("reply_text") if replied else None,
            "survey_open": replied and not surveyed}


class Aftercare:
    def __init__(self, db: Database, notifier: Notifier, now: Callable[[], float]) -> None:
        self.db, self.notifier, self.now = db, notifier, now

    async def status(self, number: str, digits: str) -> dict[str, Any] | None:
        def q(c: Connection) -> dict[str, Any] | None:
            case = _match(c, number.strip(), digits.strip())
            if case is None:
                return None
            surveyed = c.execute(select(case_surveys.c.case_id).where(case_surveys.c.case_id == case["id"])).first()
            return public_view(case, surveyed is not None)

        return await self.db.read(q)

    async def details(self, case_id: int) -> dict[str, Any]:
        """For staff pages: what the citizen was told (addresses masked) and the case's survey."""
        def q(c: Connection) -> dict[str, Any]:
            notices = [dict(r._mapping) for r in c.execute(
                select(citizen_notices.c.channel, citizen_notices.c.address_masked, citizen_notices.c.kind,
                       citizen_notices.c.created_at, citizen_notices.c.sent_at, citizen_notices.c.error)
                .where(citizen_notices.c.case_id == case_id).order_by(citizen_notices.c.id))]
            survey = c.execute(select(case_surveys).where(case_surveys.c.case_id == case_id)).first()
            return {"notices": notices, "survey": dict(survey._mapping) if survey else None}

        return await self.db.read(q)

    async def citizen_survey(self, number: str, digits: str, score: int, comment: str | None) -> dict[str, Any]:
        """The citizen's own survey from the status page; a wrong pair is "not found"."""
        def find(c: Connection) -> dict[str, Any]:
            case = _match(c, number.strip(), digits.strip())
            if case is None:
                raise CaseError("not_found", NOT_FOUND, 404)
            return case

        return await self._record(find, score, comment, "citizen", None)

    async def staff_survey(self, case_id: int, score: int, comment: str | None, by: str) -> dict[str, Any]:
        """A survey staff took by phone (表1 滿意度調查)."""
        def find(c: Connection) -> dict[str, Any]:
            row = c.execute(select(cases).where(cases.c.id == case_id)).first()
            if row is None:
                raise CaseError("not_found", f"case {case_id} not found", 404)
            return dict(row._mapping)

        return await self._record(find, score, comment, "staff", by)

    async def _record(self, find: Callable[[Connection], dict[str, Any]], score: int, comment: str | None,
                      source: str, by: str | None) -> dict[str, Any]:
        if score not in SCALE:
            raise CaseError("bad_score", "score is 1 (非常不滿意) to 5 (非常滿意)", 422)
        comment = (comment or "").strip()[:1000] or None

        def write(c: Connection) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            case = find(c)
            if case["status"] not in SURVEYABLE:
                raise CaseError("not_yet", "the survey comes after the agency has replied", 409)
            if c.execute(select(case_surveys.c.case_id).where(case_surveys.c.case_id == case["id"])).first():
                raise CaseError("already_surveyed", "this case already has a satisfaction survey", 409)
            now = self.now()
            row = {"case_id": case["id"], "score": score, "comment": comment, "source": source,
                   "recorded_by": by, "created_at": now}
            c.execute(insert(case_surveys).values(row))
            text = (f"滿意度轉知：案件 {case['number']} 民眾評分「{SCALE[score]}」"
                    + (f"，意見：{comment[:80]}" if comment else ""))
            sent = self.notifier.add(c, case, "survey", text, [AGENCY], now)
            c.execute(update(case_surveys).where(case_surveys.c.case_id == case["id"]).values(forwarded_at=now))
            return {**row, "forwarded_at": now, "number": case["number"]}, sent

        saved, sent = await self.db.write(write)
        self.notifier.deliver(sent)
        return saved
