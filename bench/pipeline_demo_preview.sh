#!/usr/bin/env bash
# Issue 10, benchmarks 2 and 4 (the README's demo on the preview backend, and peak RSS as the
# number of shots grows). Same run, same machine:
#   2. `shotchain run samples/storyboard.json --backend preview` end to end, against its own
#      generation phase (the time its last segment was verified, from its --json events) plus
#      ffmpeg's ProRes 422 HQ encode (prores_ks profile hq, yuv422p10le, vendor apl0) of the
#      same 897 frames (the generated segments, concatenated). Target: <= 1.15.
#   4. peak RSS (/usr/bin/time) of a 40-shot run vs a 4-shot run (one-segment preview shots
#      from the demo's portrait still). Target: <= 1.1. SHOTS_SMALL / SHOTS_LARGE change the
#      counts; RSS=0 skips it.
# Usage: bench/pipeline_demo_preview.sh [path/to/shotchain]   (default: build/cli/shotchain)
# Env: KEEP=1 keeps the work folder; PREVIEW_HEIGHT (default: the service's 768) makes every
# preview smaller for a quick look (then the numbers are not the benchmark's).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(realpath "${1:-$here/build/cli/shotchain}")"
[[ -x "$bin" ]] || { echo "bench/pipeline_demo_preview.sh: shotchain not found: $bin" >&2; exit 2; }
work="$(mktemp -d /tmp/shotchain-bench-demo-XXXXXX)"
[[ "${KEEP:-0}" == 1 ]] || trap 'rm -rf "$work"' EXIT
cp -r "$here/samples/storyboard.json" "$here/samples/inputs" "$work/"
cd "$work"
env_run=(env -u ATLASCLOUD_API_KEY)
[[ -n "${PREVIEW_HEIGHT:-}" ]] && env_run+=("SHOTCHAIN_PREVIEW_HEIGHT=$PREVIEW_HEIGHT")
timed() { # timed OUT_FILE CMD...: wall seconds and peak RSS (KiB) of CMD into OUT_FILE
  local out="$1"; shift
  /usr/bin/time -f "%e %M" -o "$out" "$@"
}

echo "# 2. the demo on the preview backend ($work)"
timed demo.time "${env_run[@]}" "$bin" --json run storyboard.json --backend preview \
  --state-dir state --output-dir out > demo.events 2> demo.err
read -r demo_wall demo_rss < demo.time
gen_phase="$(grep -o '"event":"finished","t":[0-9.]*,"shot":"[^"]*","stage":"generate"' demo.events |
  sed 's/.*"t":\([0-9.]*\),.*/\1/' | sort -g | tail -n1)"
frames="$(ffprobe -v error -select_streams v:0 -show_entries stream=nb_frames -of csv=p=0 out/storyboard.mov)"
# The generated segments in sequence order, as ffmpeg's concat list.
: > list.txt
for shot in harbor portrait journey dusk; do
  for seg in state/shots/$shot/segment-?.mp4; do echo "file '$PWD/$seg'" >> list.txt; done
done
timed ffmpeg.time ffmpeg -nostdin -hide_banner -loglevel error -y -f concat -safe 0 -i list.txt \
  -frames:v "$frames" -c:v prores_ks -profile:v 3 -vendor apl0 -pix_fmt yuv422p10le -an \
  ffmpeg.mov
read -r ff_wall _ < ffmpeg.time
ff_frames="$(ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 ffmpeg.mov)"
ideal="$(echo "$gen_phase + $ff_wall" | bc -l)"
printf '  shotchain run end to end            %8.2f s (%s frames, peak RSS %.1f MiB)\n' \
  "$demo_wall" "$frames" "$(echo "$demo_rss / 1024" | bc -l)"
printf '  its generation phase                %8.2f s\n' "$gen_phase"
printf '  ffmpeg ProRes 422 HQ of %s frames  %8.2f s\n' "$ff_frames" "$ff_wall"
printf '  ratio run / (generation + ffmpeg)   %8.3f (target <= 1.15)\n' \
  "$(echo "$demo_wall / $ideal" | bc -l)"

[[ "${RSS:-1}" == 1 ]] || exit 0
rss_run() { # rss_run N: peak RSS (KiB) of an N-shot preview run
  local n="$1" dir="rss$1"
  mkdir -p "$dir"
  cp inputs/portrait.png "$dir/"
  {
    echo '{"output":{"path":"out/seq.mov","codec":"prores_hq"},"shots":['
    for i in $(seq 1 "$n"); do
      [[ $i -gt 1 ]] && echo ','
      echo "{\"id\":\"s$i\",\"reference\":{\"image\":\"portrait.png\"},\"prompt\":\"shot $i\"}"
    done
    echo ']}'
  } > "$dir/job.json"
  timed "$dir/time" "${env_run[@]}" "$bin" -q run "$dir/job.json" --backend preview \
    --state-dir "$dir/state" --output-dir "$dir/out" 2> "$dir/err" > /dev/null
  read -r _ kib < "$dir/time"
  echo "$kib"
}
small="${SHOTS_SMALL:-4}"
large="${SHOTS_LARGE:-40}"
echo "# 4. peak RSS, $large shots vs $small shots (preview backend, ProRes HQ)"
rss_small="$(rss_run "$small")"
rss_large="$(rss_run "$large")"
printf '  %3d shots %8.1f MiB\n  %3d shots %8.1f MiB\n  ratio %.3f (target <= 1.1)\n' \
  "$small" "$(echo "$rss_small / 1024" | bc -l)" "$large" "$(echo "$rss_large / 1024" | bc -l)" \
  "$(echo "$rss_large / $rss_small" | bc -l)"
