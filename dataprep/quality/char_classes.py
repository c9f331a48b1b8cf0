"""Character classes of datatrove's English word tokenizer (spaCy's ``lang/char_classes.py``)
and of datatrove's punctuation sets, as one uint16 flag table over all code points; used by
``dataprep.quality.word_tokens`` and the Gopher and FineWeb filters.
"""

from __future__ import annotations

import functools
import unicodedata

import numpy as np

# flags of the uint16 table
T_SPACE, T_PREFIX, T_SUFFIX, T_ALPHA, T_LOWER, T_UPPER = 1, 2, 4, 8, 16, 32
T_QUOTE, T_PUNCT, T_ICON, T_DIGIT, T_CURRENCY, T_DT_PUNCT, T_DT_TERMINAL = (
    64,
    128,
    256,
    512,
    1024,
    2048,
    4096,
)

# spaCy's lang/char_classes.py lists (the single characters of them)
SPACY_PUNCT = "…,:;!?¿؟¡()[]{}<>_#*&。？！，、；：～·।،۔؛٪"
SPACY_QUOTES = "'\"”“`‘´’‚,„»«「」『』（）〔〕【】《》〈〉〈〉⟦⟧"
SPACY_CURRENCY = "$£€¥฿₽﷼₴₠₡₢₣₤₥₦₧₨₩₪₫₭₮₯₰₱₲₳₵₶₷₸₹₺₻₼₾₿"
_UNITS_TEXT = (
    "km km² km³ m m² m³ dm dm² dm³ cm cm² cm³ mm mm² mm³ ha µm nm yd in ft kg g mg µg t lb oz "
    "m/s km/h kmh mph hPa Pa mbar mb MB kb KB gb GB tb TB T G M K %"
)
UNITS = _UNITS_TEXT.split(" ")
# datatrove.utils.text.PUNCTUATION (the 2024 PUNCTUATION_SET); current datatrove adds its
# TERMINAL_PUNCTUATION set, of which only these characters are not already here
DT_PUNCTUATION = (
    "!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»"
) + "".join(map(chr, (x for a, b in ((0, 9), (11, 13), (13, 32), (127, 160)) for x in range(a, b))))
DT_TERMINAL = (
    "᪩？⁈𑩂．꩞𑅃﹗𑂾\u1b7d፧𑅂꡶꘎⁉࠾᪨𑊩𑱂᱿𖩮᥅\U00011f43\U00011f44﹒𑈹𑈸።܂؞꛳\U00010f88𑗍𐩖𑙂\u061d꩟᠉\u1b7e𑗗"
    "᰼𑻸؟𑪜꧉𑗉𐽙𖫵𖬷܀꓿᜵𑗏𑁇𑗓𑥄៖𑥆𑗑𑗒꯫۔𐩗\U00010f86꡷\u2e54｡៕߹⸮.𑇅࠹𛲟꫰꤯𐽗᭞𑜼፨𑃁꣏𑇟𖬸𑪛𑜾࠷𝪈?𑃀𑗃！։꣎"
    "॥𑗖᭛᠃!၊𖺘⁇𑗌𑑋𖭄᭟𑅁𑙁⸼꩝𑗋。꧈꫱𑜽𐽖𑂿᙮។꛷\U00010f89៚᥄𑗕𑗎᪪᭚࠽𑇞𑗊𐽘\u2e53𑗔𖩯𑇍𑻷𐽕𑩃।𑗂𑇆𑁈။᱾𑱁꘏܁"
    "᜶‼𑈻‽᪫﹖𑑌𑈼\U00010f87𑗐៙᰻"
)


@functools.cache
def token_table() -> np.ndarray:
    """uint16 flags (T_*) for every code point; built once per process."""
    table = np.zeros(0x110000, np.uint16)
    for code in range(0x30000):
        char = chr(code)
        flags = 0
        if char.isspace():
            flags |= T_SPACE
        if char.isalpha():
            flags |= T_ALPHA
            # spaCy's ALPHA_LOWER and ALPHA_UPPER both hold the uncased letters
            flags |= T_UPPER if char.isupper() else T_LOWER
            if not char.islower() and not char.isupper():
                flags |= T_UPPER
        if 0xD800 <= code < 0xE000:
            continue
        if unicodedata.category(char) == "So":
            flags |= T_ICON | T_PREFIX | T_SUFFIX
        table[code] = flags
    for char in SPACY_PUNCT:
        table[ord(char)] |= T_PUNCT | T_PREFIX | T_SUFFIX
    for char in SPACY_QUOTES:
        table[ord(char)] |= T_QUOTE | T_PREFIX | T_SUFFIX
    for char in SPACY_CURRENCY:
        table[ord(char)] |= T_CURRENCY | T_PREFIX
    for char in "§%=—–":
        table[ord(char)] |= T_PREFIX
    for char in "—–":
        table[ord(char)] |= T_SUFFIX
    for char in "0123456789":
        table[ord(char)] |= T_DIGIT
    for char in DT_PUNCTUATION:
        table[ord(char)] |= T_DT_PUNCT
    for char in DT_TERMINAL:
        table[ord(char)] |= T_DT_TERMINAL
    return table
