retention = 30
timeout   = "10"
