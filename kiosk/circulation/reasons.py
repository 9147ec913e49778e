# ruff: noqa: E501  (message catalogue: Chinese text counts double in line width)
"""Reason codes for every circulation decision, with what the patron is told in Chinese and English.

One table, shared by the kiosk (local and offline decisions), the reference central service and the
patron screen, so a code means the same everywhere and the MQTT reply's ``reason`` can be shown
even when central sends no message of its own. Messages say what happened and what to do.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["REASONS", "Message", "Reason", "Route", "message_for"]


class Reason(enum.StrEnum):
    OK = "ok"
    # patron
    PATRON_UNKNOWN = "patron_unknown"
    PATRON_BLOCKED = "patron_blocked"
    PATRON_EXPIRED = "patron_expired"
    PATRON_OVER_LIMIT = "patron_over_limit"
    PIN_REQUIRED = "pin_required"
    PIN_WRONG = "pin_wrong"
    PIN_LOCKED = "pin_locked"
    # item
    ITEM_UNKNOWN = "item_unknown"
    TAG_UNREADABLE = "tag_unreadable"
    NOT_FOR_CIRCULATION = "not_for_circulation"
    DISCARDED = "discarded"
    SET_INCOMPLETE = "set_incomplete"
    ON_HOLD_FOR_OTHER = "on_hold_for_other"
    ON_LOAN_TO_OTHER = "on_loan_to_other"
    ALREADY_ON_LOAN_TO_PATRON = "already_on_loan_to_patron"
    RESERVED = "reserved"
    ILL_ITEM = "ill_item"
    ILL_TO_STAFF = "ill_to_staff"
    RESERVED_TO_STAFF = "reserved_to_staff"
    NOT_MEMBER_LIBRARY = "not_member_library"
    NOT_ON_LOAN = "not_on_loan"
    # renew
    RENEW_LIMIT = "renew_limit"
    RENEW_RESERVED = "renew_reserved"
    RENEW_OVERDUE = "renew_overdue"
    NOT_YOUR_LOAN = "not_your_loan"
    # machine
    OFFLINE_NOT_ALLOWED = "offline_not_allowed"
    OFFLINE_ITEM_FLAG = "offline_item_flag"
    OFFLINE_LIMIT = "offline_limit"
    SECURITY_FAILED = "security_failed"
    TAG_REMOVED = "tag_removed"
    OUT_OF_SERVICE = "out_of_service"
    CENTRAL_REFUSED = "central_refused"
    CENTRAL_EXCEPTION = "central_exception"


class Route(enum.StrEnum):
    """Where a returned item goes (the reply's ``route`` is ``transit:{isil}`` / ``hold:{pickup}``)."""

    SHELF = "shelf"
    TRANSIT = "transit"
    HOLD = "hold"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Message:
    zh: str
    en: str


REASONS: dict[Reason, Message] = {
    Reason.OK: Message("操作成功。", "Done."),
    Reason.PATRON_UNKNOWN: Message(
        "无法识别读者证，请到服务台办理。", "This card is not recognised. Please ask at the service desk."
    ),
    Reason.PATRON_BLOCKED: Message(
        "读者证已暂停使用，请到服务台咨询。", "This card is blocked. Please ask at the service desk."
    ),
    Reason.PATRON_EXPIRED: Message(
        "读者证已过期，请到服务台续期。", "This card has expired. Please renew it at the service desk."
    ),
    Reason.PATRON_OVER_LIMIT: Message(
        "已达到可借册数上限，请先归还部分图书。",
        "You have reached your loan limit. Please return some items first.",
    ),
    Reason.PIN_REQUIRED: Message("请输入密码。", "Please enter your PIN."),
    Reason.PIN_WRONG: Message("密码错误，请重新输入。", "Wrong PIN. Please try again."),
    Reason.PIN_LOCKED: Message(
        "密码错误次数过多，请到服务台办理。", "Too many wrong PINs. Please ask at the service desk."
    ),
    Reason.ITEM_UNKNOWN: Message(
        "系统中找不到此书，请交给工作人员。", "This item is not in the catalogue. Please hand it to staff."
    ),
    Reason.TAG_UNREADABLE: Message(
        "无法读取此书的标签，请交给工作人员。", "This item's tag cannot be read. Please hand it to staff."
    ),
    Reason.NOT_FOR_CIRCULATION: Message(
        "此书不外借，仅供馆内阅览。", "This item is for use in the library only."
    ),
    Reason.DISCARDED: Message(
        "此书已剔旧，请交给工作人员。", "This item has been withdrawn. Please hand it to staff."
    ),
    Reason.SET_INCOMPLETE: Message(
        "请把整套资料的所有部件一起放在感应区上。",
        "Please place all parts of this set on the pad together.",
    ),
    Reason.ON_HOLD_FOR_OTHER: Message(
        "此书已被其他读者预约，不能借出。", "This item is on hold for another reader and cannot be borrowed."
    ),
    Reason.ON_LOAN_TO_OTHER: Message(
        "此书登记在其他读者名下，请到服务台办理。",
        "This item is on loan to another reader. Please ask at the service desk.",
    ),
    Reason.ALREADY_ON_LOAN_TO_PATRON: Message(
        "此书已在您的名下。", "You already have this item on loan."
    ),
    Reason.RESERVED: Message(
        "此书已被其他读者预约，请拿到服务台归还。",
        "This item is reserved for another reader — please take it to the service desk.",
    ),
    Reason.ILL_ITEM: Message(
        "馆际互借资料，请拿到服务台归还。",
        "Interlibrary-loan item — please return it at the service desk.",
    ),
    Reason.ILL_TO_STAFF: Message(
        "馆际互借资料已归还，将由工作人员处理。",
        "Interlibrary-loan item returned; staff will send it back to its library.",
    ),
    Reason.RESERVED_TO_STAFF: Message(
        "已归还。此书已被其他读者预约，将由工作人员处理。",
        "Returned. Another reader has reserved this item; staff will set it aside for them.",
    ),
    Reason.NOT_MEMBER_LIBRARY: Message(
        "此书不属于通借通还成员馆，请拿回原图书馆归还。",
        "This item belongs to a library outside the network. Please return it there.",
    ),
    Reason.NOT_ON_LOAN: Message("此书未被借出，已收回。", "This item was not on loan; it has been taken back."),
    Reason.RENEW_LIMIT: Message(
        "已达到续借次数上限，请按期归还。", "This item cannot be renewed again. Please return it by the due date."
    ),
    Reason.RENEW_RESERVED: Message(
        "此书已被其他读者预约，不能续借。", "This item is reserved for another reader and cannot be renewed."
    ),
    Reason.RENEW_OVERDUE: Message(
        "此书已逾期，请到服务台办理。", "This item is overdue. Please ask at the service desk."
    ),
    Reason.NOT_YOUR_LOAN: Message("此书不在您的名下。", "This item is not on loan to you."),
    Reason.OFFLINE_NOT_ALLOWED: Message(
        "网络中断，暂不能办理此业务，请稍后再试或到服务台办理。",
        "The network is down, so this cannot be done now. Please try later or ask at the desk.",
    ),
    Reason.OFFLINE_ITEM_FLAG: Message(
        "网络中断时此书不能办理，请到服务台办理。",
        "This item cannot be handled while the network is down. Please ask at the service desk.",
    ),
    Reason.OFFLINE_LIMIT: Message(
        "网络中断时可借册数有限，已达到上限。",
        "While the network is down only a few items can be borrowed; the limit is reached.",
    ),
    Reason.SECURITY_FAILED: Message(
        "标签写入失败，请交给工作人员。", "The tag could not be updated. Please hand this item to staff."
    ),
    Reason.TAG_REMOVED: Message(
        "请把刚拿起的书放回感应区。", "Please put the item you lifted back on the pad."
    ),
    Reason.OUT_OF_SERVICE: Message("本机暂停服务。", "This machine is out of service."),
    Reason.CENTRAL_REFUSED: Message(
        "系统拒绝了此操作，请到服务台办理。", "The library system refused this. Please ask at the service desk."
    ),
    Reason.CENTRAL_EXCEPTION: Message(
        "已记录，工作人员将核对此操作。", "Recorded; staff will check this transaction."
    ),
}


def message_for(reason: Reason | str) -> Message:
    """The patron message for ``reason``; an unknown code gets the generic refusal."""
    try:
        return REASONS[Reason(reason)]
    except ValueError:
        return REASONS[Reason.CENTRAL_REFUSED]
