#pragma once
// CPU time accounting: how much of this process's CPU went into media work (decoding,
// converting, encoding) and how much into everything else (HTTP, JSON, the journal, waiting
// logic). The pipeline reports both so that its own overhead per shot can be measured apart
// from the media work it orders (issue 5's benchmark).
//
// Media work is measured on the clock of the thread that does it. Threads that FFmpeg starts
// inside a codec are not on that clock, so their CPU lands in "everything else": the split
// can only overstate shotchain's own share, never hide it.

namespace shotchain {

// CPU seconds (user + system) of the whole process / of the calling thread so far.
double process_cpu_seconds();
double thread_cpu_seconds();

// Media CPU seconds measured so far by every MediaCpuScope of this process.
double media_cpu_seconds();

// Adds the calling thread's CPU time between construction and destruction to the media total.
// Scopes may nest: only the outermost counts.
class MediaCpuScope {
 public:
  MediaCpuScope();
  ~MediaCpuScope();
  MediaCpuScope(const MediaCpuScope&) = delete;
  MediaCpuScope& operator=(const MediaCpuScope&) = delete;

 private:
  double start_ = 0;
  bool outermost_ = false;
};

} // namespace shotchain
