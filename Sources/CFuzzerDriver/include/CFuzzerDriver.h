#ifndef SECURECHAT_CFUZZERDRIVER_H
#define SECURECHAT_CFUZZERDRIVER_H

// libFuzzer's driver, for an executable that keeps its own `main` (SwiftPM renames every executable's entry point,
// so libFuzzer's `main` cannot be used): it parses libFuzzer's options and runs `callback` on each input. Defined
// by the libFuzzer runtime that `-sanitize=fuzzer` links; only referenced in builds with `-D FUZZING`.

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
