#!/usr/bin/env bash
# Stitch benchmarks (issue 3). Generates 8 x 6 s 1366x768 25 fps H.264 clips (the service's
# output format), then measures in the same run on the same machine:
#   1. copy-concat to MOV: shotchain stitch (auto = stream copy) vs
#      `ffmpeg -f concat -safe 0 -i list.txt -c copy out.mov` (ratio <= 1.0 wanted) and vs
#      `cat` of the same files (within 4x wanted);
#   2. conform + ProRes 422 HQ of the same 8 clips: shotchain vs ffmpeg with the same encoder
#      settings (prores_ks profile hq, yuv422p10le, vendor apl0); throughput ratio >= 1.0 wanted;
#   3. peak RSS (/usr/bin/time -v, median of RSS_REPEAT=3 runs) of 100 clips vs 8 clips, for
#      stream copy and for encoding (encoding uses 1 s clips so it stays quick): 100 <= 1.1 x 8
#      wanted.
# Usage: bench/stitch.sh [path/to/shotchain]   (default: build-stitch/cli/shotchain, then build/)
# Env: REPEAT=3 (runs per copy measurement; the best wall time is kept), PRORES_REPEAT=1 (the
# same for the ProRes encodes, which take the most time), KEEP=1 keeps the work dir.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-}"
if [[ -z "$bin" ]]; then
  for b in "$here/build-stitch/cli/shotchain" "$here/build/cli/shotchain"; do
    [[ -x "$b" ]] && bin="$b" && break
  done
fi
[[ -x "$bin" ]] || { echo "bench/stitch.sh: shotchain binary not found (pass its path)" >&2; exit 2; }
bin="$(realpath "$bin")" # the script works in a scratch folder
repeat="${REPEAT:-3}"
prores_repeat="${PRORES_REPEAT:-1}"
work="$(mktemp -d /tmp/shotchain-bench-stitch-XXXXXX)"
[[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$work"' EXIT
cd "$work"
ff=(ffmpeg -nostdin -hide_banner -loglevel error -y)

echo "# generating 8 x 6 s 1366x768 25 fps H.264 clips in $work"
sources=(testsrc testsrc2 smptehdbars rgbtestsrc testsrc testsrc2 smptehdbars rgbtestsrc)
for i in $(seq 0 7); do
  "${ff[@]}" -f lavfi -i "${sources[$i]}=size=1366x768:rate=25:duration=6" \
    -vf "hue=h=$((i * 40))" -pix_fmt yuv420p -c:v libx264 -preset veryfast -crf 20 \
    -g 50 -bf 2 -x264-params "keyint=50:min-keyint=50:scenecut=0" "clip$i.mp4"
done
# The same encoder settings for every clip give identical codec headers: copy-concat applies.
: > list.txt
for i in $(seq 0 7); do echo "file '$work/clip$i.mp4'" >> list.txt; done
clips8=(clip{0..7}.mp4)

# Best wall time (seconds) of $repeat runs of a command.
best() {
  local best_t="" t s e
  for _ in $(seq "$repeat"); do
    s=$(date +%s.%N); "$@" > /dev/null; e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [[ -z "$best_t" ]] || (( $(echo "$t < $best_t" | bc -l) )); then best_t=$t; fi
  done
  printf '%.3f' "$best_t"
}
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
# Peak RSS (KiB) of a command: the median of RSS_REPEAT runs (default 3). One run's peak varies
# by +-5% with thread timing (decoder frame threads, encoder slice threads), more than the
# growth being measured, so a single sample of each side can pass or fail by chance.
peak_kb() {
  local n="${RSS_REPEAT:-3}" samples=()
  for _ in $(seq "$n"); do
    samples+=("$(/usr/bin/time -v "$@" 2>&1 >/dev/null |
      awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}')")
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

echo
echo "## 1. copy-concat of 8 x 6 s clips to MOV"
t_sc=$(best "$bin" -q stitch "${clips8[@]}" -o sc_copy.mov)
t_ff=$(best "${ff[@]}" -f concat -safe 0 -i list.txt -c copy ff_copy.mov)
t_cat=$(best sh -c "cat ${clips8[*]} > cat.bin")
echo "shotchain stitch (stream copy): ${t_sc} s"
echo "ffmpeg -f concat -c copy:        ${t_ff} s"
echo "cat:                             ${t_cat} s"
echo "ratio shotchain/ffmpeg: $(ratio "$t_sc" "$t_ff")   (want <= 1.0)"
echo "ratio shotchain/cat:    $(ratio "$t_sc" "$t_cat")   (want <= 4)"
frames=$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 sc_copy.mov)
echo "frames in shotchain output: $frames (want 1200)"

echo
echo "## 2. conform + ProRes 422 HQ of the same 8 clips"
repeat_copy=$repeat
repeat=$prores_repeat
t_sp=$(best "$bin" -q stitch "${clips8[@]}" --codec prores_hq -o sc_hq.mov)
t_fp=$(best "${ff[@]}" -f concat -safe 0 -i list.txt -c:v prores_ks -profile:v hq \
  -pix_fmt yuv422p10le -vendor apl0 -color_primaries bt709 -color_trc bt709 -colorspace bt709 \
  ff_hq.mov)
echo "shotchain stitch --codec prores_hq: ${t_sp} s ($(printf '%.1f' "$(echo "1200 / $t_sp" | bc -l)") fps)"
echo "ffmpeg prores_ks hq:                ${t_fp} s ($(printf '%.1f' "$(echo "1200 / $t_fp" | bc -l)") fps)"
echo "throughput ratio shotchain/ffmpeg: $(ratio "$t_fp" "$t_sp")   (want >= 1.0)"
repeat=$repeat_copy

echo
echo "## 3. peak RSS, 100 clips vs 8 clips"
clips100=()
for k in $(seq 0 99); do clips100+=("clip$((k % 8)).mp4"); done
r8=$(peak_kb "$bin" -q stitch "${clips8[@]}" -o rss8.mov)
r100=$(peak_kb "$bin" -q stitch "${clips100[@]}" -o rss100.mov)
echo "stream copy: 8 clips ${r8} KiB, 100 clips ${r100} KiB, ratio $(ratio "$r100" "$r8")   (want <= 1.1)"
for i in $(seq 0 7); do "${ff[@]}" -ss 0 -t 1 -i "clip$i.mp4" -c:v libx264 -preset ultrafast "short$i.mp4"; done
short8=(short{0..7}.mp4)
short100=()
for k in $(seq 0 99); do short100+=("short$((k % 8)).mp4"); done
e8=$(peak_kb "$bin" -q stitch "${short8[@]}" --codec prores_hq -o enc8.mov)
e100=$(peak_kb "$bin" -q stitch "${short100[@]}" --codec prores_hq -o enc100.mov)
echo "ProRes HQ encode (1 s clips): 8 clips ${e8} KiB, 100 clips ${e100} KiB, ratio $(ratio "$e100" "$e8")   (want <= 1.1)"
