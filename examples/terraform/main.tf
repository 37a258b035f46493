# What Terraform owns: the functions (one per environment, and one for previews), production's
# and staging's `live` aliases (whose version lambda-shift moves), the versioned artifact bucket,
# and the CI roles: one per environment and one for previews, each trusted only by the jobs that
# deploy there, each with the policy `lambda-shift iam-policy --format terraform` prints for its
# function. One role for all would give production's rights to whatever can deploy a preview: a
# pull request's own copy of the workflow, with its own dependencies.

resource "aws_s3_bucket" "artifacts" {
  bucket = "my-lambda-artifacts"
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {
    status = "Enabled"
  }
}

# With `--code-storage reference` (code-storage: reference), Lambda reads each version's package
# from this bucket at every cold start instead of keeping a copy: the Lambda DG's bucket policy,
# held to these functions by aws:SourceArn. lambda-shift refuses a reference deploy (exit 2) until
# the policy lets Lambda read the prefix, and `doctor` fails a lifecycle rule that would delete a
# noncurrent version a function still references: give such rules a prefix outside this one.
# The deploying role then also needs s3:GetBucketVersioning, s3:GetBucketLocation and
# s3:GetBucketPolicy on the bucket (`iam-policy --code-storage reference` adds them).
resource "aws_s3_bucket_policy" "lambda_reads_referenced_code" {
  bucket = aws_s3_bucket.artifacts.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaReadsReferencedCode"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = ["s3:GetObject", "s3:GetObjectVersion"]
      Resource  = "${aws_s3_bucket.artifacts.arn}/octo/app/*"
      Condition = { ArnLike = { "aws:SourceArn" = [for f in aws_lambda_function.searcher : f.arn] } }
    }]
  })
}

# name-searcher-production, name-searcher-staging, and name-searcher-preview: previews get a
# function of their own because no policy can hold a role to some aliases of a function (Lambda
# authorizes CreateAlias, UpdateAlias and DeleteAlias on the function, whatever alias they name),
# so the role that runs pull requests' code must reach no function that serves callers. The
# preview function is configured like staging but serves only previews: it has no `live` alias
# (lambda-shift makes one alias per pull request, pr-<number>, or per GitLab branch,
# preview-<branch>, and cleanup removes them), and a runtime role of its own: give that role none
# of staging's or production's data, since it runs whatever a pull request ships.
resource "aws_lambda_function" "searcher" {
  for_each      = toset(["production", "staging", "preview"])
  function_name = "name-searcher-${each.key}"
  role          = aws_iam_role.runtime[each.key].arn
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
# shifts gradually to the new version; a rollback returns to that baseline. Production and
# staging only: nothing calls the preview function but through a preview's alias.
resource "aws_lambda_alias" "live" {
  for_each         = toset(["production", "staging"])
  name             = "live"
  function_name    = aws_lambda_function.searcher[each.key].function_name
  function_version = "$LATEST"

  lifecycle {
    ignore_changes = [
      function_version, # lambda-shift moves the alias from version to version
      routing_config,   # it sets the canary's weights mid-shift and clears them at the end
      description,      # it keeps the deploy history there: "[lambda-shift good=5,3 failed=4]"
    ]
  }
}

# The CI identities: GitHub's OIDC provider, this repository only. A role trusts the subject
# (`sub`) GitHub gives the job: a job with `environment: NAME` gets repo:octo/app:environment:NAME,
# a pull request's job repo:octo/app:pull_request. job_workflow_ref (a claim AWS STS checks in
# trust policies since 2026) pins the workflow file and branch: no other workflow, and no pull
# request's copy of this one, gets an environment's role. Keep each environment's deployment
# branches (Settings → Environments) to its own: production main, staging main and develop.
data "aws_iam_openid_connect_provider" "github" {
  url = "https://token.actions.githubusercontent.com"
}

# Production: the production environment's jobs of deploy.yml on main, nothing else. Deploying
# with promote.yml, detached.yml or image.yml instead: name that file.
resource "aws_iam_role" "production" {
  name = "name-searcher-production-deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = data.aws_iam_openid_connect_provider.github.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud"              = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub"              = "repo:octo/app:environment:production"
          "token.actions.githubusercontent.com:job_workflow_ref" = "octo/app/.github/workflows/deploy.yml@refs/heads/main"
        }
      }
    }]
  })
}

# Staging: the staging environment's jobs of deploy.yml on develop. promote.yml deploys staging
# from main too: name promote.yml@refs/heads/develop and promote.yml@refs/heads/main instead.
resource "aws_iam_role" "staging" {
  name = "name-searcher-staging-deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = data.aws_iam_openid_connect_provider.github.arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud"              = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub"              = "repo:octo/app:environment:staging"
          "token.actions.githubusercontent.com:job_workflow_ref" = "octo/app/.github/workflows/deploy.yml@refs/heads/develop"
        }
      }
    }]
  })
}

# Previews (preview.yml): pull requests. A pull request runs its own copy of the workflow, so
# nothing of it can be pinned: this role's policy is the limit, the preview function
# name-searcher-preview only, never staging's or production's. A pull_request_target workflow
# gets the same subject: give none id-token: write. The second statement is preview.yml's sweep
# on a deleted branch, which GitHub runs from main.
resource "aws_iam_role" "preview" {
  name = "name-searcher-preview-deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Principal = { Federated = data.aws_iam_openid_connect_provider.github.arn }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = {
            "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
            "token.actions.githubusercontent.com:sub" = "repo:octo/app:pull_request"
          }
        }
      },
      {
        Effect    = "Allow"
        Principal = { Federated = data.aws_iam_openid_connect_provider.github.arn }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = {
            "token.actions.githubusercontent.com:aud"              = "sts.amazonaws.com"
            "token.actions.githubusercontent.com:sub"              = "repo:octo/app:ref:refs/heads/main"
            "token.actions.githubusercontent.com:job_workflow_ref" = "octo/app/.github/workflows/preview.yml@refs/heads/main"
          }
        }
      },
    ]
  })
}

# Each role's policy is what lambda-shift prints for its function; paste each output here,
# renaming its data source (lambda_shift) to the role's name. --repository octo/app makes the S3
# prefix octo/app/FUNCTION/* (without it, */FUNCTION/*: IAM's * matches across slashes, so it
# would match a key that has /FUNCTION/ anywhere in it). Production:
#   lambda-shift iam-policy --function name-searcher-production --bucket my-lambda-artifacts \
#     --alarm name-searcher-errors --max-error-rate 1 --smoke-payload '{}' --environment production \
#     --repository octo/app --account-id 123456789012 --region eu-west-1 --format terraform
# Staging:
#   lambda-shift iam-policy --function name-searcher-staging --bucket my-lambda-artifacts \
#     --environment staging --repository octo/app --account-id 123456789012 --region eu-west-1 \
#     --format terraform
# Previews: the preview function and its versions and aliases (cleanup's DeleteAlias and the
# function URL calls included), nothing of staging's or production's. With the default key,
# {repository}/{function}/{version}/package.zip, the function's name is in the prefix: this role
# may write and read packages under my-lambda-artifacts/octo/app/name-searcher-preview/* only, and
# so can plant nothing where staging's and production's deploys read theirs
# (.../name-searcher-staging/*, .../name-searcher-production/*). It may list the bucket (keys,
# not contents). A key template without {function} would share one prefix: keep it in.
#   lambda-shift iam-policy --function name-searcher-preview --bucket my-lambda-artifacts \
#     --preview --preview-alias 'pr-{pr}' --repository octo/app --account-id 123456789012 \
#     --region eu-west-1 --format terraform
resource "aws_iam_role_policy" "production" {
  name   = "lambda-shift"
  role   = aws_iam_role.production.id
  policy = data.aws_iam_policy_document.production.json
}

resource "aws_iam_role_policy" "staging" {
  name   = "lambda-shift"
  role   = aws_iam_role.staging.id
  policy = data.aws_iam_policy_document.staging.json
}

resource "aws_iam_role_policy" "preview" {
  name   = "lambda-shift"
  role   = aws_iam_role.preview.id
  policy = data.aws_iam_policy_document.preview.json
}

# Each function's runtime role (what its code runs with): the preview function's is its own.
resource "aws_iam_role" "runtime" {
  for_each = toset(["production", "staging", "preview"])
  name     = "name-searcher-${each.key}-runtime"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}
