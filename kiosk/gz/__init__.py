"""Guangzhou DB4401/T 96—2020 (通借通还, coordinated loans across member libraries), pure rules.

* :mod:`kiosk.gz.profiles` — Annex D tag profiles (``gz-item``, ``gz-disc``, ``gz-card``) checked
  on decoded element dictionaries.
* :mod:`kiosk.gz.barcode` — Annex C 14-character barcodes; :mod:`kiosk.gz.checkdigit` — the
  pluggable check-character schemes; :mod:`kiosk.gz.libraries` — Table C.1 and member ISILs.
* :mod:`kiosk.gz.card` — Annex E MIFARE Classic 1K reader card, sector 2 blocks 0–1.

Standard library only; the one file read is the packaged placeholder library table, at import.
Where the standard's text could not be consulted (WH/T 74 check digit, Table C.1 numbering,
Annex E byte layout, the OID 22 separator) the module docstrings say what we assumed.
"""

from kiosk.gz.barcode import (
    CATEGORY_NAMES,
    Barcode,
    Category,
    barcode_to_pii,
    is_disc_package,
    make_barcode,
    parse_barcode,
    pii_to_barcode,
)
from kiosk.gz.card import (
    ACTIVATION_ADDRESS,
    CARD_NUMBER_ADDRESS,
    SECTOR,
    SECTOR_DATA_ADDRESSES,
    SECTOR_TRAILER_ADDRESS,
    CardReading,
    CardRecord,
    block_address,
    card_to_hex,
    decode_card,
    decode_card_hex,
    encode_card,
    parse_hex_blocks,
)
from kiosk.gz.checkdigit import CHECK_DIGIT_SCHEMES, DEFAULT_CHECK, CheckDigitScheme
from kiosk.gz.libraries import (
    DEFAULT_LIBRARIES,
    GZ_ISIL_PREFIX,
    Library,
    LibraryTable,
    isil_library_code,
    library_isil,
)
from kiosk.gz.profiles import (
    PROFILES,
    ElementRule,
    Profile,
    ProfileMatch,
    ProfileReport,
    check,
    evaluate,
    identify,
    require,
)
from kiosk.gz.rules import join_original_barcodes, split_original_barcodes

__all__ = [
    "ACTIVATION_ADDRESS",
    "CARD_NUMBER_ADDRESS",
    "CATEGORY_NAMES",
    "CHECK_DIGIT_SCHEMES",
    "DEFAULT_CHECK",
    "DEFAULT_LIBRARIES",
    "GZ_ISIL_PREFIX",
    "PROFILES",
    "SECTOR",
    "SECTOR_DATA_ADDRESSES",
    "SECTOR_TRAILER_ADDRESS",
    "Barcode",
    "CardReading",
    "CardRecord",
    "Category",
    "CheckDigitScheme",
    "ElementRule",
    "Library",
    "LibraryTable",
    "Profile",
    "ProfileMatch",
    "ProfileReport",
    "barcode_to_pii",
    "block_address",
    "card_to_hex",
    "check",
    "decode_card",
    "decode_card_hex",
    "encode_card",
    "evaluate",
    "identify",
    "is_disc_package",
    "isil_library_code",
    "join_original_barcodes",
    "library_isil",
    "make_barcode",
    "parse_barcode",
    "parse_hex_blocks",
    "pii_to_barcode",
    "require",
    "split_original_barcodes",
]
