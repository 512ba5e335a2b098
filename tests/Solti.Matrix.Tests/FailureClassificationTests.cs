using Solti.Matrix.Errors;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Tests;

/// <summary>The one rule that sorts failures; every caller (pipeline, exit codes, spooling, outbox, applier) reads it.</summary>
[Trait("tier", "unit")]
public sealed class FailureClassificationTests
{
    [Theory]
    [InlineData(0, MatrixErrorCodes.Timeout, FailureKind.Transient)]
    [InlineData(0, MatrixErrorCodes.ConnectionFailed, FailureKind.Transient)]
    [InlineData(502, MatrixErrorCodes.Unknown, FailureKind.Transient)]
    [InlineData(200, MatrixErrorCodes.BadResponse, FailureKind.Transient)]
    [InlineData(429, MatrixErrorCodes.LimitExceeded, FailureKind.RateLimited)]
    [InlineData(401, MatrixErrorCodes.UnknownToken, FailureKind.Token)]
    [InlineData(401, MatrixErrorCodes.MissingToken, FailureKind.Token)]
    [InlineData(403, MatrixErrorCodes.Forbidden, FailureKind.Final)]
    [InlineData(401, MatrixErrorCodes.Forbidden, FailureKind.Final)]
    [InlineData(403, MatrixErrorCodes.UnknownToken, FailureKind.Final)]
    [InlineData(404, MatrixErrorCodes.NotFound, FailureKind.Final)]
    [InlineData(413, "M_TOO_LARGE", FailureKind.Final)]
    public void Each_answer_has_one_kind(int status, string errcode, FailureKind kind)
    {
        Assert.Equal(kind, FailureClassification.Of(status, errcode));
        Assert.Equal(kind, new MatrixException(status, errcode, "x").Kind);
    }

    [Fact]
    public void A_session_that_cannot_heal_is_a_token_problem_whatever_the_login_answered()
    {
        var login = new MatrixException(403, MatrixErrorCodes.Forbidden, "Invalid password");
        var error = new SessionRecoveryException("@bot:example.org", ["password login: bad credentials"], login);

        Assert.Equal(FailureKind.Token, error.Kind);
        Assert.False(error.IsTokenError); // the server did not reject a token: the login was refused
        Assert.True(error.IsTerminal);
    }

    [Fact]
    public void Transport_failures_outside_the_pipeline_are_transient_and_anything_else_is_not_a_failure_of_the_server()
    {
        Assert.Equal(FailureKind.Transient, FailureClassification.Of(new HttpRequestException("reset")));
        Assert.Equal(FailureKind.Transient, FailureClassification.Of(new TimeoutException()));
        Assert.Null(FailureClassification.Of(new ArgumentException("bad room")));
        Assert.Null(FailureClassification.Of(new CredentialCacheException("symlink")));
    }

    [Theory]
    [InlineData(400, MatrixErrorCodes.Unrecognized, true, true, false)] // Synapse before 1.74
    [InlineData(404, MatrixErrorCodes.Unrecognized, true, true, false)] // Synapse since 1.74
    [InlineData(405, MatrixErrorCodes.Unrecognized, true, true, false)] // another method, Synapse since 1.78
    [InlineData(404, MatrixErrorCodes.Unknown, false, true, false)] // a proxy's page
    [InlineData(405, MatrixErrorCodes.Unknown, false, true, false)]
    [InlineData(404, MatrixErrorCodes.NotFound, true, false, true)] // served, and the thing does not exist
    [InlineData(404, MatrixErrorCodes.Unknown, true, false, false)] // a Matrix error that says neither
    [InlineData(400, MatrixErrorCodes.Unknown, false, false, false)]
    [InlineData(403, MatrixErrorCodes.Forbidden, true, false, false)]
    [InlineData(401, MatrixErrorCodes.Unrecognized, true, false, false)]
    public void Not_served_and_absent_are_one_rule_each(int status, string errcode, bool matrixBody, bool unserved, bool absent)
    {
        Assert.Equal(unserved, FailureClassification.IsUnserved(status, errcode, matrixBody));
        Assert.Equal(absent, FailureClassification.IsAbsent(status, errcode));
        var e = new MatrixException(status, errcode, "x") { HasMatrixBody = matrixBody };
        Assert.Equal((unserved, absent), (e.IsUnrecognized, e.IsAbsent));
        Assert.Equal(FailureKind.Final, e.Kind);
    }

    [Fact]
    public void The_recovery_steps_have_one_vocabulary()
    {
        Assert.Equal(["cache", "refresh", "password login"], Enum.GetValues<RecoveryStep>().Select(s => s.Name()));
    }
}
