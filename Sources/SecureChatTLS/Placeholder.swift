public enum _PlaceholderSecureChatTLS {}
