variable "cfg" {
  type = object({
    days = optional(number, 14)
    name = string
  })
  default = { name = "svc" }
}

locals {
  tags  = { env = "dev", count = 3 }
  topic = aws_sns_topic.alerts.arn
  policy = jsonencode({
    Statement = [{
      Effect   = "Allow"
      Resource = aws_s3_bucket.logs.arn
    }]
  })
}

resource "aws_example" "all" {
  ref        = aws_sns_topic.alerts.arn
  indexed    = aws_lb.front[0].arn
  keyed      = aws_lb.front["a"].dns_name
  splat      = aws_lb.front[*].arn
  attr_splat = aws_lb.front.*.zone_id
  data_ref   = data.aws_iam_policy_document.assume.json
  module_out = module.vpc.private_subnets[0]
  via_local  = local.topic
  whole      = aws_kms_key.main

  json_known   = jsonencode({ b = 1, a = [true, null, "<x>"] })
  json_partial = jsonencode({ arn = aws_sns_topic.alerts.arn })
  json_local   = local.policy
  merged       = merge(local.tags, { owner = "me" }, { env = "prod" })
  not_eval     = formatdate("YYYY", timestamp())
  provider_fn  = provider::aws::arn_parse("arn:aws:s3:::x")
  for_expr     = [for s in aws_subnet.private : s.id]
  directive    = "%{ if local.tags.env == "dev" }d%{ endif }"

  template = "${local.tags.env}-${local.tags.count}-${1.5}-${true}"
  escapes  = "tab\tquote\"back\\ \u00e9 $${literal} %%{x}"
  object   = var.cfg
  days     = var.cfg.days
  indexed2 = local.tags["env"]
  math     = 10 / 4 + -1
  modulo   = -7 % 3
  compare  = 2 == 2.0 && "a" != "b"
  lookup   = lookup(local.tags, "missing", "fallback")
  tried    = try(var.cfg.missing, 5)
  format   = format("%s-%03d", "a", 7)
  format_d = format("%s-%d", "a", 7)
  each     = each.value
  self     = self.id
  number   = 1e3
  trimmed  = <<-EOT
    hello ${local.tags.env}
      world
    EOT
}
