#pragma once
// How many video pictures were decoded from each file, counted only between start() and
// stop(): how tests prove that a run decodes every generated frame once. Off, it costs one
// relaxed atomic load per picture.
#include <map>
#include <string>

namespace shotchain::codecs::decode_ledger {

void start();                            // clears the ledger and starts counting
std::map<std::string, long long> stop(); // stops; pictures decoded per file path
void count(const std::string& path);     // called by the decoders for each video picture

} // namespace shotchain::codecs::decode_ledger
