public import Foundation

extension InMemoryMessageStore {
    public func recordLogin(nameKey: String, displayName: String, identityKey: String?, at: Date) throws -> PresenceID {
        try self.checkOpen()
        let id = PresenceID(rawValue: self.nextPresenceID)
        self.nextPresenceID += 1
        self.presences.append(
            Presence(
                id: id,
                nameKey: nameKey,
                displayName: displayName,
                identityKey: identityKey,
                start: at.roundedToStoreMilliseconds,
                end: nil
            )
        )
        return id
    }

    public func recordLogout(_ presence: PresenceID, at: Date) throws {
        try self.checkOpen()
        guard let index = self.presences.firstIndex(where: { $0.id == presence }),
            self.presences[index].end == nil
        else {
            return
        }
        self.presences[index].end = max(self.presences[index].start, at.roundedToStoreMilliseconds)
    }

    public func heartbeat(at: Date) throws {
        try self.checkOpen()
        self.lastHeartbeat = at.roundedToStoreMilliseconds
    }

    public func closeDanglingPresence(at now: Date) throws -> Int {
        try self.checkOpen()
        let now = now.roundedToStoreMilliseconds
        var closed = 0
        for index in self.presences.indices where self.presences[index].end == nil {
            let start = self.presences[index].start
            self.presences[index].end = max(start, min(self.lastHeartbeat ?? start, now))
            closed += 1
        }
        return closed
    }

    public func recentlySeen(since: Date) throws -> [SeenUser] {
        try self.checkOpen()
        let since = since.roundedToStoreMilliseconds
        // Presences are in id (login) order, so a later interval's display name wins.
        let intervals = self.presences.lazy.filter { $0.end.map { $0 >= since } ?? true }.map {
            SeenUser.Interval(nameKey: $0.nameKey, displayName: $0.displayName, start: $0.start, end: $0.end)
        }
        return SeenUser.latestPerName(intervals)
    }

    public func hasBeenSeen(nameKey: String) throws -> Bool {
        try self.checkOpen()
        return self.presences.contains { $0.nameKey == nameKey }
    }
}
