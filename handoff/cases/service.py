"""CaseService: every case operation over the Database, with its checks, audit trail and
notifications, each change in one transaction.

Who sees what is in ``actors``; who does what in ``lifecycle.ACTIONS``; deadlines in ``deadlines``
and their sweep in ``sweep``; the staff's notifications in ``inbox``.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from handoff.cases import agencies, deadlines, followup, lifecycle
from handoff.cases.actors import AGENCY_VISIBLE, Actor, case_number_prefix, local_time, not_found, visible
from handoff.cases.aftercare import Aftercare
from handoff.cases.agencies_table import TREASURY, AgencyBook, contact_email
from handoff.cases.followup import CitizenNotifier
from handoff.cases.inbox import NotificationInbox
from handoff.cases.lifecycle import CaseError
from handoff.cases.notify import AGENCY, SUPERVISORS, Notifier
from handoff.cases.sweep import DeadlineSweep, record_event
from handoff.storage.database import Database
from handoff.storage.schema import agency_members, callbacks, case_events, cases, conversations, messages, wrapups

__all__ = ["AGENCY_VISIBLE", "Actor", "CaseService", "case_number_prefix", "local_time", "visible"]

EDITABLE = ("citizen_name", "citizen_contact", "summary", "category", "agency", "urgency")
LIMITS = {"citizen_name": 100, "citizen_contact": 100, "summary": 2000, "category": 100, "agency": 100}
log = logging.getLogger(__name__)


class CaseService(DeadlineSweep, NotificationInbox):
    def __init__(self, db: Database, notifier: Notifier, kb: Any = None,
                 kb_entries: Callable[[], Mapping[str, Mapping[str, Any]]] = dict,
                 now: Callable[[], float] = time.time, citizens: CitizenNotifier | None = None) -> None:
        self.db, self.notifier, self.kb, self.kb_entries, self.now = db, notifier, kb, kb_entries, now
        self.citizens = citizens or CitizenNotifier(db, notifier.mail)
        self.book = AgencyBook(db, kb_entries, now)
        self.aftercare = Aftercare(db, notifier, now)

    # ---- reading ---------------------------------------------------------------------------
    def public(self, case: Mapping[str, Any], now: float | None = None) -> dict[str, Any]:
        out = dict(case)
        out["deadlines"] = deadlines.badges(case, self.now() if now is None else now)
        out["accept_due_at"] = (deadlines.accept_due(case["dispatched_at"])
                                if case["status"] == "dispatched" and case.get("dispatched_at") else None)
        return out

    async def get(self, actor: Actor, case_id: int) -> dict[str, Any]:
        def q(c: Connection) -> tuple[Any, list[Any]]:
            row = c.execute(select(cases).where(cases.c.id == case_id)).first()
            events = list(c.execute(select(case_events).where(case_events.c.case_id == case_id)
                                    .order_by(case_events.c.id)))
            return row, events

        row, events = await self.db.read(q)
        if row is None or not visible(actor, row._mapping):
            raise not_found(case_id)
        return {**self.public(dict(row._mapping)), "events": [dict(e._mapping) for e in events]}

    async def known_agencies(self) -> list[str]:
        """Active agencies: those of the KB first (most entries first), then the rest of the agencies
        table (seeded from the seeds, the KB and agency accounts; a supervisor may deactivate one)."""
        listed = await self.book.names()
        ranked = [a for a in agencies.agencies(self.kb_entries().values()) if a in listed]
        members = await self.db.read(lambda c: [r[0] for r in c.execute(
            select(agency_members.c.agency).distinct().order_by(agency_members.c.agency))])
        return list(dict.fromkeys([*ranked, *listed, *(a for a in members if a in listed)]))

    async def prefill(self, actor: Actor, conversation_id: str | None = None, callback_id: int | None = None,
                      category: str | None = None) -> dict[str, Any]:
        """What the agent's case form starts with: the wrap-up's category and summary, the callback's
        name and phone, and the suggested agency."""
        out: dict[str, Any] = {"category": category, "summary": None, "citizen_name": None, "citizen_contact": None}
        kb_ids: list[str] = []
        if conversation_id:
            conversation, history, wrapup, callback = await self._conversation(actor, conversation_id)
            kb_ids = agencies.conversation_kb_ids(history, conversation.get("last_intent"))
            if wrapup:
                out["category"] = out["category"] or wrapup["category"]
                out["summary"] = wrapup["summary"]
            if callback:
                out.update(citizen_name=callback["name"], citizen_contact=callback["phone"])
        if callback_id is not None:
            callback = await self._callback(callback_id)
            out.update(citizen_name=callback["name"], citizen_contact=callback["phone"], summary=callback["question"])
        out["agency"] = agencies.suggest(self.kb_entries(), kb_ids, out["category"])
        out["agencies"] = await self.known_agencies()
        return out

    async def _conversation(self, actor: Actor, conversation_id: str) -> tuple[dict[str, Any], list[dict[str, Any]],
                                                                           dict[str, Any] | None, dict[str, Any] | None]:
        def q(c: Connection) -> tuple[Any, list[Any], Any, Any]:
            conv = c.execute(select(conversations).where(conversations.c.id == conversation_id)).first()
            rows = list(c.execute(select(messages.c.sender, messages.c.agent, messages.c.payload)
                                  .where(messages.c.conversation_id == conversation_id).order_by(messages.c.seq)))
            wrap = c.execute(select(wrapups).where(wrapups.c.conversation_id == conversation_id)).first()
            call = c.execute(select(callbacks).where(callbacks.c.conversation_id == conversation_id)
                             .order_by(callbacks.c.id.desc())).first()
            return conv, rows, wrap, call

        conv, rows, wrap, call = await self.db.read(q)
        if conv is None:
            raise CaseError("no_conversation", f"conversation {conversation_id} not found", 404)
        history = [{"sender": r.sender, "agent": r.agent, "payload": json.loads(r.payload) if r.payload else {}}
                   for r in rows]
        handled = (conv.agent == actor.username or (wrap is not None and wrap.agent == actor.username)
                   or any(m["agent"] == actor.username for m in history))
        if actor.role != "supervisor" and not handled:
            raise CaseError("not_your_conversation", "a case can only be recorded by an agent who handled the "
                            "conversation (or a supervisor)", 403)
        return (dict(conv._mapping), history, dict(wrap._mapping) if wrap else None,
                dict(call._mapping) if call else None)

    async def _callback(self, callback_id: int) -> dict[str, Any]:
        row = await self.db.read(lambda c: c.execute(select(callbacks).where(callbacks.c.id == callback_id)).first())
        if row is None:
            raise CaseError("no_callback", f"callback {callback_id} not found", 404)
        return dict(row._mapping)

    # ---- creating and editing ---------------------------------------------------------------
    async def _clean(self, fields: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key in EDITABLE:
            if key not in fields or fields[key] is None:
                continue
            value = str(fields[key]).strip()
            if key == "urgency":
                if value not in lifecycle.URGENCIES:
                    raise CaseError("bad_urgency", f"urgency must be one of {', '.join(lifecycle.URGENCIES)}", 422)
            elif len(value) > LIMITS[key]:
                raise CaseError("too_long", f"{key} is longer than {LIMITS[key]} characters", 422)
            if key == "agency" and value:
                known = await self.known_agencies()
                if value not in known:
                    raise CaseError("unknown_agency", f"unknown agency {value!r}; one of: {'、'.join(known)}", 422)
            values[key] = value or None
        return values

    async def create(self, actor: Actor, *, citizen_name: str, citizen_contact: str, consent: bool, summary: str,
                     conversation_id: str | None = None, callback_id: int | None = None, category: str | None = None,
                     agency: str | None = None, urgency: str = "normal", notify_channel: str | None = None,
                     citizen_email: str | None = None, citizen_phone: str | None = None,
                     reporting_agency: str | None = None) -> dict[str, Any]:
        """A draft case recorded by an agent (or supervisor) from a conversation they handled or a
        callback record; the citizen's consent is required. ``notify_channel`` (email | sms | none,
        guessed from the contact when not given) is how the citizen hears the result;
        ``reporting_agency`` is the 通報機關 when another agency took the citizen's call (seed 004)."""
        if actor.role not in ("agent", "supervisor"):
            raise CaseError("forbidden", "cases are recorded by agents and supervisors", 403)
        if (conversation_id is None) == (callback_id is None):
            raise CaseError("no_source", "give exactly one of conversation_id or callback_id", 422)
        if not consent:
            raise CaseError("consent_required", "the citizen's consent to pass their data to the agency is "
                            "required (consent: true)", 422)
        kb_ids: list[str] = []
        if conversation_id is not None:
            conversation, history, wrapup, _ = await self._conversation(actor, conversation_id)
            kb_ids = agencies.conversation_kb_ids(history, conversation.get("last_intent"))
            category = category or (wrapup or {}).get("category")  # the wrap-up's, unless given
        else:
            callback = await self._callback(int(callback_id))  # type: ignore[arg-type]
            conversation_id = callback["conversation_id"]
            if not callback["consent"]:
                raise CaseError("consent_required", "this callback record has no consent", 422)
        values = await self._clean({"citizen_name": citizen_name, "citizen_contact": citizen_contact,
                                    "summary": summary, "category": category, "agency": agency, "urgency": urgency})
        for key in ("citizen_name", "citizen_contact", "summary"):
            if not values.get(key):
                raise CaseError("missing_field", f"{key} is required", 422)
        values["agency"] = values.get("agency") or agencies.suggest(self.kb_entries(), kb_ids, values.get("category"))
        channel, email, phone = followup.choose_channel(notify_channel, citizen_email, citizen_phone,
                                                        values["citizen_contact"])
        values.update(notify_channel=channel, citizen_email=email, citizen_phone=phone)
        if reporting_agency:
            values["reporting_agency"] = (await self._clean({"agency": reporting_agency}))["agency"]
        if not values["agency"]:
            raise CaseError("unknown_agency", "no agency given and none can be suggested (empty KB)", 422)

        def write(c: Connection) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            now = self.now()
            prefix = case_number_prefix(now)
            last = c.execute(select(func.max(cases.c.number)).where(cases.c.number.like(f"{prefix}-%"))).scalar()
            number = f"{prefix}-{int(last.rsplit('-', 1)[1]) + 1 if last else 1:04d}"
            row = {**values, "number": number, "status": "draft", "conversation_id": conversation_id,
                   "callback_id": callback_id, "receiver": actor.username, "received_at": now, "consent": True,
                   "general_answer": False, "reminders": 0, "created_at": now, "updated_at": now}
            row["id"] = c.execute(insert(cases).values(row).returning(cases.c.id)).scalar_one()
            record_event(c, row["id"], now, actor.username, "created", f"{number} → {row['agency']}")
            sent = self.notifier.add(c, row, "created", f"新的後送案件 {number}（{row['agency']}）待核准："
                                     f"{row['summary'][:40]}", [SUPERVISORS], now)
            return row, sent

        row, sent = await self.db.write(write)
        self.notifier.deliver(sent)
        return self.public(row)

    async def edit(self, actor: Actor, case_id: int, fields: Mapping[str, Any]) -> dict[str, Any]:
        values = await self._clean(fields)
        for key in ("citizen_name", "citizen_contact", "summary", "agency"):
            if key in values and not values[key]:
                raise CaseError("missing_field", f"{key} cannot be empty", 422)
        return await self._act(actor, case_id, "edit", lambda case, now: values,
                               note=", ".join(sorted(values)) or "no change")

    # ---- the lifecycle ----------------------------------------------------------------------
    async def approve(self, actor: Actor, case_id: int) -> dict[str, Any]:
        return await self._act(actor, case_id, "approve", lambda case, now: {"approved_by": actor.username,
                                                                             "approved_at": now})

    async def dispatch(self, actor: Actor, case_id: int, agency: str | None = None) -> dict[str, Any]:
        return await self._dispatch(actor, case_id, "dispatch", agency)

    async def redispatch(self, actor: Actor, case_id: int, agency: str | None = None) -> dict[str, Any]:
        return await self._dispatch(actor, case_id, "redispatch", agency)

    async def _dispatch(self, actor: Actor, case_id: int, action: str, agency: str | None) -> dict[str, Any]:
        chosen = (await self._clean({"agency": agency})).get("agency") if agency else None

        def change(case: dict[str, Any], now: float) -> dict[str, Any]:
            return {"dispatched_at": now, **({"agency": chosen} if chosen else {})}

        def tell(case: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
            return [("dispatched", (f"後送案件 {case['number']} 已派送給{case['agency']}，請於 "
                     f"{local_time(deadlines.accept_due(case['dispatched_at']))} 前受理：{case['summary'][:40]}"),
                     [AGENCY])]

        return await self._act(actor, case_id, action, change, tell, note=chosen)

    async def accept(self, actor: Actor, case_id: int) -> dict[str, Any]:
        def change(case: dict[str, Any], now: float) -> dict[str, Any]:
            return {"accepted_by": actor.username, "accepted_at": now, "reply_due_at": deadlines.reply_due(now),
                    "resolve_due_at": deadlines.resolve_due(now, case["urgency"])}

        def tell(case: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
            return [("accepted", (f"{case['agency']} 已受理案件 {case['number']}；回覆民眾期限 "
                     f"{local_time(case['reply_due_at'])}，辦結期限 {local_time(case['resolve_due_at'])}"),
                     [SUPERVISORS])]

        return await self._act(actor, case_id, "accept", change, tell)

    async def return_(self, actor: Actor, case_id: int, reason: str) -> dict[str, Any]:
        reason = (reason or "").strip()
        if not reason:
            raise CaseError("reason_required", "returning a case needs a reason (e.g. 非本機關業務，應由內政部辦理)", 422)

        def change(case: dict[str, Any], now: float) -> dict[str, Any]:
            return {"return_reason": reason[:2000], "accepted_by": None, "accepted_at": None, "reply_due_at": None,
                    "resolve_due_at": None}

        def tell(case: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
            return [("returned", f"{case['agency']} 退回案件 {case['number']}：{reason[:80]}", [SUPERVISORS])]

        return await self._act(actor, case_id, "return", change, tell, note=reason[:2000])

    async def reply(self, actor: Actor, case_id: int, text: str) -> dict[str, Any]:
        text = (text or "").strip()
        if not text:
            raise CaseError("reply_required", "write what the citizen was told", 422)

        def change(case: dict[str, Any], now: float) -> dict[str, Any]:
            return {"reply_text": text[:4000], "replied_at": case.get("replied_at") or now}

        def tell(case: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
            return [("replied", f"{case['agency']} 已回覆民眾（案件 {case['number']}）：{text[:60]}", [SUPERVISORS])]

        return await self._act(actor, case_id, "reply", change, tell, note=text[:4000], citizen="replied")

    async def close(self, actor: Actor, case_id: int, general_answer: bool = False,
                    faq_question: str | None = None) -> dict[str, Any]:
        """Close a replied case. A general answer (通則性答案) becomes a draft KB entry for approval."""
        def tell(case: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
            return [("closed", f"案件 {case['number']} 已結案（{actor.username}）", [SUPERVISORS, AGENCY])]

        def treasury(c: Connection, case: dict[str, Any], now: float) -> list[dict[str, Any]]:
            # 000 六(二): 客服公司應於案件結案時通知國庫署 — to the Treasury's configured contact
            return self.notifier.external(case, "closed", (
                f"結案通知：後送案件 {case['number']}（{case['agency']}）已於 {local_time(now)} 結案"
                f"（{'通則性答案' if general_answer else '純屬個案'}）。摘要：{case['summary'][:80]}"),
                contact_email(c, TREASURY), now)

        case = await self._act(actor, case_id, "close", lambda case, now: {
            "closed_by": actor.username, "closed_at": now, "general_answer": bool(general_answer)}, tell,
            note="通則性答案 → 知識庫草稿" if general_answer else None, citizen="closed", external=treasury)
        if general_answer and self.kb is not None:
            case = await self._kb_draft(case, (faq_question or "").strip() or case["summary"])
        return case

    async def _kb_draft(self, case: dict[str, Any], question: str) -> dict[str, Any]:
        try:  # sqlite-utils connections belong to the thread that opened them: the event loop's
            draft_id = self.kb.add_draft(question[:500], case.get("category") or "其他")
            # the agency's reply and the agency go on the draft for review
            fields = {"answer": case.get("reply_text") or "", "agency": case["agency"]}
            if hasattr(self.kb, "update_draft"):
                self.kb.update_draft(draft_id, **fields)
            else:  # the sqlite-utils KB of before issue 17
                self.kb.db["entries"].update(draft_id, fields)
        except Exception:  # the case is closed either way; the supervisor can still add the FAQ by hand
            log.exception("case %s: could not create the KB draft", case["number"])
            return case

        def write(c: Connection) -> None:
            now = self.now()
            c.execute(update(cases).where(cases.c.id == case["id"]).values(kb_draft_id=draft_id, updated_at=now))
            record_event(c, case["id"], now, case["closed_by"], "kb_draft", draft_id)

        await self.db.write(write)
        return {**case, "kb_draft_id": draft_id}

    async def _act(self, actor: Actor, case_id: int, action: str,
                   change: Callable[[dict[str, Any], float], dict[str, Any]],
                   tell: Callable[[dict[str, Any]], list[tuple[str, str, list[str]]]] | None = None,
                   note: str | None = None, citizen: str | None = None,
                   external: Callable[[Connection, dict[str, Any], float], list[dict[str, Any]]] | None = None,
                   ) -> dict[str, Any]:
        told: list[dict[str, Any]] = []

        def write(c: Connection) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            row = c.execute(select(cases).where(cases.c.id == case_id).with_for_update()).first()
            if row is None or not visible(actor, row._mapping):
                raise not_found(case_id)
            case = dict(row._mapping)
            spec = lifecycle.check(action, case["status"], actor.role)
            now = self.now()
            values = {**change(case, now), "status": spec.target, "updated_at": now}
            c.execute(update(cases).where(cases.c.id == case_id).values(values))
            case.update(values)
            record_event(c, case_id, now, actor.username, action, note)
            sent = []
            for kind, text, audiences in (tell(case) if tell else []):
                sent += self.notifier.add(c, case, kind, text, audiences, now, exclude=actor.username)
            if external:
                sent += external(c, case, now)
            told[:] = self.citizens.add(c, case, citizen, now) if citizen else []
            return case, sent

        case, sent = await self.db.write(write)
        self.notifier.deliver(sent)
        self.citizens.deliver(told)
        return self.public(case)

    # Last in the class: the method's name would shadow the builtin in the annotations after it.
    async def list(self, actor: Actor, status: str | None = None, agency: str | None = None) -> list[dict[str, Any]]:
        def q(c: Connection) -> list[Any]:
            query = select(cases).order_by(cases.c.id.desc())
            if actor.role == "agency":
                query = query.where(cases.c.agency == actor.agency, cases.c.status.in_(AGENCY_VISIBLE))
            elif actor.role == "agent":
                query = query.where(cases.c.receiver == actor.username)
            elif actor.role != "supervisor":
                raise CaseError("forbidden", "cases are for agents, supervisors and agency users", 403)
            if status:
                query = query.where(cases.c.status == status)
            if agency:
                query = query.where(cases.c.agency == agency)
            return list(c.execute(query))

        now = self.now()
        return [self.public(dict(r._mapping), now) for r in await self.db.read(q)]
