namespace Solti.Matrix.Accounts;

/// <summary>What the account authority cannot do as asked, decided before or without the server's answer (the account
/// does not exist in MAS, Synapse cannot replace a token without a password, …): a failure with this message, never a
/// server's errcode.</summary>
public sealed class AccountAuthorityException(string message) : InvalidOperationException(message);
