import Foundation
@_spi(Fuzzing) import SecureChatTLS

#if FUZZING
import CFuzzerDriver
#endif

// Built two ways. With `-D FUZZING -sanitize=fuzzer,address` (`make fuzz`, bench/fuzz.sh) it hands its command line
// to libFuzzer, which mutates inputs and runs each through the record layer. Built plainly (every `swift build`), it
// replays inputs from files: a corpus, or a crash libFuzzer saved.

#if FUZZING
@main
struct RecordFuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(
            LLVMFuzzerRunDriver(&argc, &argv) { data, count in
                TLS13RecordFuzzing.run(UnsafeRawBufferPointer(start: data, count: count))
                return 0
            }
        )
    }
}
#else
/// `securechat-record-fuzz FILE|DIRECTORY...`: runs each file (each file of each directory) once, as the fuzzer
/// would, and says how many ran; a finding crashes it as it crashed the fuzzer.
@main
struct RecordFuzzReplay {
    static func main() throws {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("securechat-record-fuzz: no such file: \(path)\n".utf8))
                exit(2)
            }
            let files =
                isDirectory.boolValue
                ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { "\(path)/\($0)" }
                : [path]
            for file in files {
                let data = try Data(contentsOf: URL(fileURLWithPath: file))
                data.withUnsafeBytes { TLS13RecordFuzzing.run($0) }
                count += 1
            }
        }
        print("\(count) inputs ran")
    }
}
#endif
