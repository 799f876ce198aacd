"""Platform glue: paths, logging, the store, the keyring, notifications, autostart."""
