public enum _PlaceholderChatCore {}
