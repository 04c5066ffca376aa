public enum _PlaceholderSecureChatStore {}
