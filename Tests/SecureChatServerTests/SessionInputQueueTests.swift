import Testing

@testable import SecureChatServer

/// Who carries out a session's inputs, and when its connection should stop and resume reading: without sockets.
@Suite struct SessionInputQueueTests {
    @Test func anInputOnAnIdleSessionIsCarriedOutAtOnceAndNotQueued() {
        var queue = SessionInputQueue<Int>()
        let first = queue.arrive(1)
        #expect(first.arrival == .carryOutNow && !first.pause)
        #expect(queue.count == 0)
        #expect(queue.isClaimed)
        let waiting = queue.releaseUnlessWaiting()
        #expect(!waiting)
        #expect(!queue.isClaimed)
    }

    @Test func inputsArrivingWhileClaimedWaitInOrder() {
        var queue = SessionInputQueue<Int>()
        _ = queue.arrive(1)
        let second = queue.arrive(2)
        let third = queue.arrive(3)
        #expect(second.arrival == .queued && third.arrival == .queued)
        let waiting = queue.releaseUnlessWaiting()
        #expect(waiting, "the claim stays while inputs wait")
        let taken = [queue.next().input, queue.next().input]
        #expect(taken == [2, 3])
        let gathered = queue.next(keepingTheClaim: true).input
        #expect(gathered == nil)
        #expect(queue.isClaimed, "a worker gathering a batch keeps its claim")
        let last = queue.next().input
        #expect(last == nil)
        #expect(!queue.isClaimed, "an empty queue ends the worker")
        let again = queue.arrive(4)
        #expect(again.arrival == .carryOutNow)
    }

    @Test func readingPausesPastTheLimitAndResumesBelowTheOther() {
        var queue = SessionInputQueue<Int>(pauseAbove: 4, resumeBelow: 2)
        _ = queue.arrive(0)
        var pauses: [Int] = []
        for value in 1...6 where queue.arrive(value).pause {
            pauses.append(queue.count)
        }
        #expect(pauses == [5], "asked once, when the fifth input waits")
        #expect(queue.isPaused)
        var resumes: [Int] = []
        while true {
            let (input, resume) = queue.next()
            guard input != nil else { break }
            if resume { resumes.append(queue.count) }
        }
        #expect(resumes == [1], "read again once fewer than two wait")
        #expect(!queue.isPaused)
    }

    @Test func aQueueThatNeverRunsDryKeepsItsOrderAcrossCompaction() {
        var queue = SessionInputQueue<Int>(pauseAbove: 1000, resumeBelow: 10)
        _ = queue.arrive(-1)
        var taken: [Int] = []
        for value in 0..<500 {
            _ = queue.arrive(value)
            if value % 3 != 0, let input = queue.next().input { taken.append(input) }
        }
        while let input = queue.next().input { taken.append(input) }
        #expect(taken == Array(0..<500))
    }
}
