# What Terraform owns: the function, its alias (whose version lambda-shift moves), the
# versioned artifact bucket, and the CI role with the policy `lambda-shift iam-policy
# --format terraform` prints for this configuration.

resource "aws_s3_bucket" "artifacts" {
  bucket = "my-lambda-artifacts"
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_lambda_function" "searcher" {
  function_name = "name-searcher-production"
  role          = aws_iam_role.runtime.arn
  runtime       = "python3.12"
  handler       = "index.handler"
  s3_bucket     = aws_s3_bucket.artifacts.id
  s3_key        = "bootstrap/package.zip" # first deploy only; CI owns the code afterwards

  lifecycle {
    ignore_changes = [s3_key, s3_object_version, source_code_hash]
  }
}

# The alias as Terraform creates it: on $LATEST. lambda-shift's first deploy publishes a baseline
# of the code $LATEST serves, moves the alias onto it (same code: callers see no change), then
# shifts gradually to the new version; a rollback returns to that baseline.
resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.searcher.function_name
  function_version = "$LATEST"

  lifecycle {
    ignore_changes = [
      function_version, # lambda-shift moves the alias from version to version
      routing_config,   # it sets the canary's weights mid-shift and clears them at the end
      description,      # it keeps the deploy history there: "[lambda-shift good=5,3 failed=4]"
    ]
  }
}

# The CI identity: GitHub's OIDC provider, this repository's main and develop branches only.
data "aws_iam_openid_connect_provider" "github" {
  url = "https://token.actions.githubusercontent.com"
}

resource "aws_iam_role" "deploy" {
  name = "name-searcher-deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = data.aws_iam_openid_connect_provider.github.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = ["repo:octo/app:ref:refs/heads/main", "repo:octo/app:ref:refs/heads/develop"] }
      }
    }]
  })
}

# Paste the output of:
#   lambda-shift iam-policy --function name-searcher-production --bucket my-lambda-artifacts \
#     --alarm name-searcher-errors --max-error-rate 1 --smoke-payload '{}' --environment production \
#     --account-id 123456789012 --region eu-west-1 --format terraform
# here, then:
resource "aws_iam_role_policy" "deploy" {
  name   = "lambda-shift"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.lambda_shift.json
}

resource "aws_iam_role" "runtime" {
  name = "name-searcher-runtime"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}
