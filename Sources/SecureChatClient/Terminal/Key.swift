/// One keystroke, as ``KeyDecoder`` recognises it in the bytes a terminal sends in raw mode.
enum Key: Equatable, Sendable {
    /// Printable text: one Unicode scalar (a combining mark joins the character before it when inserted).
    case insert(String)
    /// Enter / Return (CR or LF).
    case enter
    /// Backspace (DEL 0x7F or Ctrl-H): deletes the character before the cursor.
    case backspace
    /// The Delete key (`ESC [ 3 ~`): deletes the character under the cursor.
    case delete
    /// Arrow left.
    case left
    /// Arrow right.
    case right
    /// Arrow up: the previous history entry.
    case up
    /// Arrow down: the next history entry.
    case down
    /// Home (`ESC [ H`, `ESC O H`, `ESC [ 1 ~`, `ESC [ 7 ~`).
    case home
    /// End (`ESC [ F`, `ESC O F`, `ESC [ 4 ~`, `ESC [ 8 ~`).
    case end
    /// Ctrl-Left or Alt-B: one word to the left.
    case wordLeft
    /// Ctrl-Right or Alt-F: one word to the right.
    case wordRight
    /// Tab.
    case tab
    /// A lone Escape key.
    case escape
    /// Ctrl plus a letter (`a`…`z`) other than those with their own case (Tab, Enter, Backspace).
    case control(Character)
    /// Bytes or an escape sequence this client does not use; ignored.
    case unknown
}
