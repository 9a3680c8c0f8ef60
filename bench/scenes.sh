#!/usr/bin/env bash
# Scene detection benchmark (issue 11): `shotchain scenes` against the ffmpeg command line in
# the same run on the same machine. Generates its inputs, then measures:
#   1. speed: a 1080p25 H.264 file (B-frames, 10 s GOP, a cut every 4 s) of DURATION seconds
#      (default 180): `shotchain scenes F -o cuts.json`, the whole command, as a multiple of
#      real time (>= 6 wanted); beside it `ffmpeg -i F -vf "select='gt(scene,0.3)'" -f null -`
#      (ffmpeg's own scene score) and `ffmpeg -i F -f null -` (decode only), as time ratios.
#   2. memory: peak RSS of `shotchain scenes` on a 10-minute file / on a 1-minute file (both
#      640x360 25 fps H.264, so generating them stays quick); <= 1.1 wanted.
#   3. PySceneDetect's `scenedetect detect-adaptive` on file 1, only when it is installed.
# Usage: bench/scenes.sh [path/to/shotchain]   Env: DURATION=180, REPEAT=1 (best of N),
#        KEEP=1 keeps the work folder.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(realpath -e "${1:-$here/build/cli/shotchain}" 2>/dev/null || true)"
[[ -x "$bin" ]] || { echo "bench/scenes.sh: shotchain binary not found (pass its path)" >&2; exit 2; }
duration="${DURATION:-180}"
repeat="${REPEAT:-1}"
work="$(mktemp -d /tmp/shotchain-bench-scenes-XXXXXX)"
[[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$work"' EXIT
cd "$work"
ff=(ffmpeg -nostdin -hide_banner -loglevel error -y)
# A cut every 4 s: the hue of the moving test pattern jumps.
pattern="hue=H='2*PI*floor(t/4)*3/7'"
x264=(-c:v libx264 -preset ultrafast -bf 3 -g 250 -x264-params "bframes=3:b-pyramid=normal" -pix_fmt yuv420p)

echo "# generating ${duration} s of 1920x1080 25 fps H.264 and 60 s / 600 s of 640x360 in $work"
"${ff[@]}" -f lavfi -i "testsrc2=size=1920x1080:rate=25:duration=$duration,$pattern" "${x264[@]}" big.mp4
"${ff[@]}" -f lavfi -i "testsrc2=size=640x360:rate=25:duration=60,$pattern" "${x264[@]}" one.mp4
"${ff[@]}" -f lavfi -i "testsrc2=size=640x360:rate=25:duration=600,$pattern" "${x264[@]}" ten.mp4

# best wall time of $repeat runs and the peak RSS (KiB) of the last: "SECONDS KIB"
measure() {
  local best="" rss=0 t
  for ((i = 0; i < repeat; i++)); do
    /usr/bin/time -f "%e %M" -o time.txt "$@" >/dev/null 2>&1
    read -r t rss <time.txt
    if [[ -z "$best" ]] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best="$t"; fi
  done
  echo "$best $rss"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

read -r t_sc rss_big < <(measure "$bin" -q scenes big.mp4 -o cuts.json)
read -r t_ffscene _ < <(measure "${ff[@]}" -i big.mp4 -vf "select='gt(scene,0.3)'" -f null -)
read -r t_ffdec _ < <(measure "${ff[@]}" -i big.mp4 -f null -)
cuts=$(grep -c '"scene":' cuts.json)
echo
echo "| measurement | shotchain | reference | ratio (goal) |"
echo "|---|---|---|---|"
echo "| scenes, ${duration} s 1080p25 H.264 ($cuts scenes) | ${t_sc} s = $(ratio "$duration" "$t_sc")x real time | ${duration} s of footage | $(ratio "$duration" "$t_sc") (>= 6) |"
echo "| same vs \`ffmpeg -vf select='gt(scene,0.3)' -f null\` | ${t_sc} s | ${t_ffscene} s | $(ratio "$t_sc" "$t_ffscene") |"
echo "| same vs \`ffmpeg -f null\` (decode only) | ${t_sc} s | ${t_ffdec} s | $(ratio "$t_sc" "$t_ffdec") |"

read -r _ rss_one < <(measure "$bin" -q scenes one.mp4 -o one.json)
read -r _ rss_ten < <(measure "$bin" -q scenes ten.mp4 -o ten.json)
echo "| peak RSS, 10 min vs 1 min (640x360) | $((rss_ten / 1024)) MiB | $((rss_one / 1024)) MiB | $(ratio "$rss_ten" "$rss_one") (<= 1.1) |"
echo "| peak RSS, ${duration} s 1080p | $((rss_big / 1024)) MiB | | |"

if command -v scenedetect >/dev/null 2>&1; then
  read -r t_psd rss_psd < <(measure scenedetect -i big.mp4 -q detect-adaptive list-scenes -n)
  echo "| PySceneDetect detect-adaptive | ${t_sc} s | ${t_psd} s | $(ratio "$t_sc" "$t_psd") |"
else
  echo "(PySceneDetect is not installed: its column is left out)"
fi
echo
echo "command: bench/scenes.sh $bin  (DURATION=$duration REPEAT=$repeat)"
