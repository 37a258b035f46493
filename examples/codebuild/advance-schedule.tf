# EventBridge Scheduler starts a build of the production deploy project every 5 minutes with
# advance-buildspec.yml: the engine of a detached rollout is this schedule, not a build that
# waits. A build that finds nothing to do ends at once (exit 0, nothing-to-do). The project is
# production's (buildspec.yml): its role is the one allowed to move production's alias.
variable "project_name" { default = "name-searcher-production" }
variable "project_arn" { default = "arn:aws:codebuild:eu-west-1:123456789012:project/name-searcher-production" }

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "advance_scheduler" {
  name               = "${var.project_name}-advance-scheduler"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

resource "aws_iam_role_policy" "advance_scheduler" {
  role = aws_iam_role.advance_scheduler.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "codebuild:StartBuild", Resource = var.project_arn }]
  })
}

resource "aws_scheduler_schedule" "advance" {
  name                = "${var.project_name}-advance"
  schedule_expression = "rate(5 minutes)"
  flexible_time_window { mode = "OFF" }
  target {
    # The universal target: CodeBuild StartBuild with the advance buildspec.
    arn      = "arn:aws:scheduler:::aws-sdk:codebuild:startBuild"
    role_arn = aws_iam_role.advance_scheduler.arn
    input = jsonencode({
      ProjectName       = var.project_name
      BuildspecOverride = "examples/codebuild/advance-buildspec.yml"
    })
  }
}
