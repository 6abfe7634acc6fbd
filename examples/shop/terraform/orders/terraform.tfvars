environment        = "prod"
log_retention_days = 30
tracing_mode       = "Active"
