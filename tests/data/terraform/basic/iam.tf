resource "aws_iam_role" "lambda" {
  name               = "api"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [] })
}

resource "aws_iam_role_policy" "logs" {
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.logs.json
}

data "aws_iam_policy_document" "logs" {
  statement {
    actions   = ["logs:CreateLogStream"]
    resources = ["*"]
  }
}

resource "aws_sqs_queue" "jobs" {
  name = "jobs"
}
