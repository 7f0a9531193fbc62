#!/usr/bin/env bash
# Rebuilds ui/fonts/ from Debian's DejaVu Sans (fonts-dejavu-core, the same 2.37 files the package depends on),
# keeping the scripts a shop's catalog and the kiosk's languages use: Latin (with Vietnamese), Greek, Cyrillic,
# punctuation, every currency sign, arrows, maths, the block and geometric shapes and the dingbats the screens
# draw (✓ ✕ ⇧). The full fonts are 1.47 MB of the binary; the subset is about 0.58 MB. Hinting and OpenType
# layout features stay, so text draws exactly as before. A character outside the subset still draws: the
# font stack falls back to the system's full DejaVu (a Depends of the package), and Chinese to a CJK font.
#
#   sudo apt-get install fonttools fonts-dejavu-core && bash scripts/subset-fonts.sh
set -euo pipefail
cd "$(dirname "$0")/.."
src=${DEJAVU_DIR:-/usr/share/fonts/truetype/dejavu}
ranges=(
  U+0000-036F # Basic Latin, Latin-1, Latin Extended-A/B, IPA, spacing and combining marks
  U+0370-03FF # Greek
  U+0400-04FF # Cyrillic
  U+0E3F      # Thai baht sign
  U+1E00-1EFF # Latin Extended Additional (Vietnamese)
  U+2000-206F # General Punctuation (– — … ·)
  U+20A0-20CF # Currency Symbols (€ ₹ ₺ …)
  U+2100-214F # Letterlike (№ ™)
  U+2190-21FF # Arrows (→ ⇧)
  U+2200-22FF # Mathematical Operators (− ≥ ×)
  U+2300-23FF # Miscellaneous Technical
  U+2460-24FF # Enclosed Alphanumerics
  U+2580-25FF # Block Elements and Geometric Shapes
  U+2700-27BF # Dingbats (✓ ✕)
  U+FFFD      # replacement character
)
unicodes=$(printf '%s\n' "${ranges[@]}" | sed 's/ *#.*//' | paste -sd, -)
for font in DejaVuSans DejaVuSans-Bold; do
  pyftsubset "$src/$font.ttf" --unicodes="$unicodes" --layout-features='*' --output-file="ui/fonts/$font.ttf"
done
ls -l ui/fonts/*.ttf
