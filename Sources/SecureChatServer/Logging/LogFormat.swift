import ArgumentParser

/// How log lines are written: text for people (swift-log's stream format), JSON for log shippers.
enum LogFormat: String, CaseIterable, Sendable, ExpressibleByArgument {
    case text
    case json
}
