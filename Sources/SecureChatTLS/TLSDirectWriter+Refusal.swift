import NIOCore

extension TLSDirectWriter {
    /// Why a channel gets no direct writer: its writes must go through the pipeline.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        /// Asked for off the channel's event loop, where its pipeline cannot be read.
        case notOnEventLoop
        /// The pipeline has no ``TLSHandler``.
        case noTLSHandler
        /// A handler that takes outbound events sits after the TLS handler (its type and name, as NIO shows them): a
        /// direct write would skip it.
        case outboundHandlerAfterTLS(String)
        /// NIO's account of the pipeline did not read as expected, so the handlers after TLS are not known to be
        /// inbound only.
        case pipelineUnreadable

        /// A one-line reason for logs.
        public var description: String {
            switch self {
            case .notOnEventLoop:
                "not on the channel's event loop"
            case .noTLSHandler:
                "the pipeline has no TLS handler"
            case .outboundHandlerAfterTLS(let handler):
                "an outbound handler sits after the TLS handler and would be skipped: \(handler)"
            case .pipelineUnreadable:
                "the pipeline's handlers after the TLS handler could not be listed"
            }
        }
    }
}

extension TLSDirectWriter.Refusal {
    /// The refusal for a pipeline in which a handler after `tls` may take outbound events, or nil when all of them are
    /// inbound only.
    ///
    /// NIO offers no public walk over a pipeline's handlers: its `debugDescription` is the one public account of their
    /// order, one line per handler, `<inbound type> ↓↑ <outbound type> [<name>]`, each column blank when the handler
    /// does not take that direction. Anything that does not read so refuses, so a change of that layout costs the
    /// fan-out its shortcut, never a handler its writes.
    static func outboundHandlerAfter(_ tls: ChannelHandlerContext, in pipeline: ChannelPipeline) -> Self? {
        let lines = pipeline.debugDescription.split(separator: "\n")
        guard let tlsLine = lines.firstIndex(where: { $0.hasSuffix(" [\(tls.name)]") }),
            outboundColumn(of: lines[tlsLine])?.hasPrefix(String(describing: TLSHandler.self)) == true
        else {
            return .pipelineUnreadable
        }
        for line in lines[(tlsLine + 1)...] {
            guard let outbound = outboundColumn(of: line) else { return .pipelineUnreadable }
            if outbound.first != " " {
                return .outboundHandlerAfterTLS(outbound.split(separator: " ").joined(separator: " "))
            }
        }
        return nil
    }

    /// The types of the handlers after `tls` that take outbound events, in order (as NIO's account of the pipeline
    /// names them), or nil when that account does not read as expected.
    static func outboundHandlerTypes(after tls: ChannelHandlerContext, in pipeline: ChannelPipeline) -> [String]? {
        let lines = pipeline.debugDescription.split(separator: "\n")
        guard let tlsLine = lines.firstIndex(where: { $0.hasSuffix(" [\(tls.name)]") }) else { return nil }
        var types: [String] = []
        for line in lines[(tlsLine + 1)...] {
            guard let outbound = outboundColumn(of: line) else { return nil }
            if outbound.first != " ", let type = outbound.split(separator: " ").first {
                types.append(String(type))
            }
        }
        return types
    }

    /// What follows the arrows of one handler's line: its outbound type (or blanks), then its name.
    private static func outboundColumn(of line: Substring) -> Substring? {
        guard let arrows = line.firstRange(of: " ↓↑ ") else { return nil }
        return line[arrows.upperBound...]
    }
}
