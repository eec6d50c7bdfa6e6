"""Statistical inference for a least-squares fit: what ``statsmodels``' ``OLS(y, X).fit()`` reports, by its names.

:func:`inference` takes the coefficients from :func:`~linreg.ols` (so they keep its
digits on NIST's hardest tables) and adds standard errors, t and p-values, confidence
intervals, R², the F test, the log-likelihood and information criteria, robust
(HC0..HC3) covariances, intervals at new points and the residual diagnostics that
statsmodels' summary prints. ``(X'X)^-1`` is never formed: it comes from the SVD of the
design with its columns scaled by powers of two (exact in binary), so that its
condition number, not its square, limits the digits.

The t and F distributions come from SciPy, imported inside the functions that need
them: ``import linreg`` loads NumPy alone.

Conventions follow statsmodels 0.15 exactly where they differ between packages:

* Coefficients are in :attr:`OLSResult.theta <linreg.OLSResult.theta>`'s order, the
  weights then the intercept (``sm.add_constant(X, prepend=False)``).
* Without an intercept, R² is uncentred, ``1 - SSR / sum(y**2)``, as statsmodels and
  NIST compute it. A constant column in X is not taken for an intercept here.
* The robust covariances (``cov_type="HC0"`` .. ``"HC3"``) use the normal distribution
  for p-values and intervals (statsmodels' ``use_t=False``, its default for a robust
  fit), and the F statistic becomes the Wald test of the coefficients other than the
  intercept with that covariance, referred to F(J, df_resid) as statsmodels does.
* A rank-deficient design takes the pseudo-inverse, and the degrees of freedom count
  the rank (``df_resid = n - rank``).

Degenerate fits give defined numbers and say why in :attr:`OLSInference.reasons`,
without an exception or a warning: no residual degrees of freedom (NaN standard errors),
an exact fit (zero standard errors, infinite t), collinear columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from linreg._validation import as_2d, check_float, check_names, readonly
from linreg.ols import INTERCEPT_NAME, design, ols

COV_TYPES = ("nonrobust", "HC0", "HC1", "HC2", "HC3")
"""The covariances :func:`inference` computes: the classical one, then White's and MacKinnon-White's."""

EXACT_FIT = 1e-12
"""A fit whose residuals' norm is below this fraction of ``||y||`` is exact: sigma is taken to be 0.

Coefficients rounded to float64 leave residuals of this order on data that a model fits
exactly (NIST's Wampler1 and Wampler2 leave 1e-18 and 5e-17); calling them noise would
report standard errors made of rounding.
"""


@dataclass(frozen=True)
class Prediction:
    """Intervals at new points, as statsmodels' ``get_prediction(X_new).summary_frame(alpha)``; arrays of shape (n,).

    ``mean_ci_*`` bound the mean response (the confidence interval); ``obs_ci_*`` a new
    observation (the prediction interval, which adds ``scale`` to ``mean_se**2``).
    """

    mean: np.ndarray
    mean_se: np.ndarray
    mean_ci_lower: np.ndarray
    mean_ci_upper: np.ndarray
    obs_ci_lower: np.ndarray
    obs_ci_upper: np.ndarray
    alpha: float


@dataclass(frozen=True)
class OLSInference:
    """Inference for one least-squares fit, under statsmodels' names; every array is read-only.

    Attributes
    ----------
    params, bse, tvalues, pvalues : ndarray of shape (k,)
        Coefficients (weights, then the intercept), their standard errors under
        ``cov_type``, t statistics and two-sided p-values (t with ``df_resid`` degrees of
        freedom, or the normal distribution for a robust covariance).
    names : tuple of k str
    cov_params : ndarray of shape (k, k)
        The covariance of ``params`` under ``cov_type``.
    normalized_cov_params : ndarray of shape (k, k)
        ``(X'X)^-1`` (the pseudo-inverse at rank deficiency), for the design with its intercept column.
    rsquared, rsquared_adj, fvalue, f_pvalue : float
    scale : float
        ``SSR / df_resid``, the residual variance; ``resid_std`` its square root.
    ssr, llf, aic, bic, condition_number : float
    nobs : int
    df_model, df_resid : float
        ``rank - 1`` with an intercept (``rank`` without), and ``nobs - rank``.
    rank : int
    cov_type : str
    use_t : bool
        Whether p-values and intervals use the t distribution (False for a robust covariance).
    resid : ndarray of shape (nobs,)
    durbin_watson, jarque_bera, jb_pvalue, skew, kurtosis, omnibus, omnibus_pvalue : float
        The residual diagnostics of statsmodels' summary (``kurtosis`` is 3 for a normal
        sample). The omnibus test needs 8 residuals; with fewer both are NaN.
    reasons : tuple of str
        Why any of the numbers above is NaN or infinite, or less than it seems; empty for
        a regular fit.
    fit_intercept : bool
    """

    params: np.ndarray
    bse: np.ndarray
    tvalues: np.ndarray
    pvalues: np.ndarray
    names: tuple[str, ...]
    cov_params: np.ndarray
    normalized_cov_params: np.ndarray
    rsquared: float
    rsquared_adj: float
    fvalue: float
    f_pvalue: float
    scale: float
    resid_std: float
    ssr: float
    llf: float
    aic: float
    bic: float
    condition_number: float
    nobs: int
    df_model: float
    df_resid: float
    rank: int
    cov_type: str
    use_t: bool
    resid: np.ndarray
    durbin_watson: float
    jarque_bera: float
    jb_pvalue: float
    skew: float
    kurtosis: float
    omnibus: float
    omnibus_pvalue: float
    reasons: tuple[str, ...]
    fit_intercept: bool

    def conf_int(self, alpha: float = 0.05) -> np.ndarray:
        """The ``1 - alpha`` confidence interval of each coefficient, shape (k, 2): lower, upper."""
        q = _quantile(_check_alpha(alpha), self.use_t, self.df_resid)
        with np.errstate(invalid="ignore"):
            return readonly(np.column_stack([self.params - q * self.bse, self.params + q * self.bse]))

    def predict(self, X_new, alpha: float = 0.05) -> Prediction:
        """The fitted mean at the rows of ``X_new`` (shape (n,) or (n, d), no intercept column) and its intervals."""
        alpha = _check_alpha(alpha)
        X_new = as_2d("X_new", X_new)
        d = len(self.params) - int(self.fit_intercept)
        if X_new.shape[1] != d:
            raise ValueError(f"X_new must have {d} column(s) to match the fit, got {X_new.shape[1]}")
        Xa = design(X_new, self.fit_intercept)
        mean = Xa @ self.params
        with np.errstate(invalid="ignore"):
            mean_se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", Xa, self.cov_params, Xa), 0.0))
            obs_se = np.sqrt(mean_se**2 + self.scale)
        q = _quantile(alpha, self.use_t, self.df_resid)
        return Prediction(
            mean=readonly(mean),
            mean_se=readonly(mean_se),
            mean_ci_lower=readonly(mean - q * mean_se),
            mean_ci_upper=readonly(mean + q * mean_se),
            obs_ci_lower=readonly(mean - q * obs_se),
            obs_ci_upper=readonly(mean + q * obs_se),
            alpha=alpha,
        )


def inference(X, y, *, fit_intercept: bool = True, cov_type: str = "nonrobust", feature_names=None) -> OLSInference:
    """Fit ``y ~ X w (+ b)`` by least squares and report the inference statsmodels' OLS reports.

    Parameters
    ----------
    X : array-like of shape (m,) or (m, d)
    y : array-like of shape (m,)
    fit_intercept : bool, default True
    cov_type : {"nonrobust", "HC0", "HC1", "HC2", "HC3"}, default "nonrobust"
        The covariance behind ``bse``, ``tvalues``, ``pvalues``, ``conf_int``, the F test
        and the intervals of ``predict``. A robust one refers t and the intervals to the
        normal distribution, as statsmodels 0.15's ``OLS(y, X).fit(cov_type="HC1")`` does
        (checked: its ``use_t`` is False for a robust fit unless asked for), and the F
        statistic to the Wald test with that covariance.
    feature_names : sequence of d str, optional

    Returns
    -------
    OLSInference

    Examples
    --------
    >>> res = inference([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0], [1.1, 2.9, 5.2, 6.8, 9.1, 11.0, 12.9, 15.2])
    >>> res.names, [round(float(v), 4) for v in res.params], round(res.rsquared, 4)
    (('x', '(intercept)'), [2.0048, 1.0083], 0.9991)
    >>> round(float(res.bse[0]), 4), res.df_resid, res.reasons
    (0.0247, 6.0, ())
    >>> res.conf_int().round(3).tolist()
    [[1.944, 2.065], [0.755, 1.261]]
    """
    if cov_type not in COV_TYPES:
        raise ValueError(f"cov_type must be one of {', '.join(COV_TYPES)}, got {cov_type!r}")
    fit = ols(X, y, fit_intercept=fit_intercept, feature_names=feature_names)
    X = as_2d("X", X)
    y = np.asarray(y, dtype=np.float64)
    names = _names(feature_names, X.shape[1], fit.fit_intercept)
    return _infer(design(X, fit.fit_intercept), y, fit, names, cov_type)


def from_experiment(exp, *, cov_type: str = "nonrobust") -> OLSInference:
    """:func:`inference` on the training split of an :class:`~linreg.Experiment`, with its features' names."""
    split = exp.split
    return inference(
        split.X_train,
        split.y_train,
        fit_intercept=exp.ols.fit_intercept,
        cov_type=cov_type,
        feature_names=exp.feature_names,
    )


def _infer(Xa: np.ndarray, y: np.ndarray, fit, names: tuple[str, ...], cov_type: str) -> OLSInference:
    """Every number of :class:`OLSInference` for the design ``Xa`` (its intercept column included) and ``fit``."""
    n, k = Xa.shape
    params, rank, k_const = np.asarray(fit.theta, dtype=np.float64), fit.rank, int(fit.fit_intercept)
    resid = _residuals(Xa, y, params)
    exact = bool(np.linalg.norm(resid) <= EXACT_FIT * np.linalg.norm(y))
    if exact:
        resid = np.zeros(n)
    ssr = float(resid @ resid)
    df_resid, df_model = float(n - rank), float(rank - k_const)
    reasons = _fit_reasons(fit, k, df_resid, exact)
    with np.errstate(all="ignore"):
        scale = ssr / df_resid if df_resid > 0 else math.nan
    G, U, s = _inverse_factor(Xa, rank)
    normalized = G @ G.T
    use_t = cov_type == "nonrobust"
    # without residual degrees of freedom the residuals say nothing of the noise: NaN whatever the cov_type
    robust = not use_t and df_resid > 0
    cov = _robust_cov(G, U, resid, cov_type, df_resid, reasons) if robust else scale * normalized
    bse = np.sqrt(np.maximum(np.diag(cov), 0.0))
    tvalues, pvalues = _t_test(params, bse, use_t, df_resid)
    tss = float(y @ y) if not k_const else float(np.sum((y - y.mean()) ** 2))
    rsquared, rsquared_adj = _rsquared(ssr, tss, n, k_const, df_resid, reasons)
    fvalue, f_pvalue = _f_test(params, cov, ssr, tss - ssr, df_model, df_resid, k_const, use_t, reasons)
    llf = _llf(ssr, n)
    if exact:
        reasons.append("an exact fit: the log-likelihood is +inf, so AIC and BIC are -inf")
    with np.errstate(divide="ignore"):
        condition_number = float(s[0] / s[-1]) if s[-1] > 0 else math.inf
    return OLSInference(
        params=readonly(params),
        bse=readonly(bse),
        tvalues=readonly(tvalues),
        pvalues=readonly(pvalues),
        names=names,
        cov_params=readonly(cov),
        normalized_cov_params=readonly(normalized),
        rsquared=rsquared,
        rsquared_adj=rsquared_adj,
        fvalue=fvalue,
        f_pvalue=f_pvalue,
        scale=scale,
        resid_std=math.sqrt(scale) if not math.isnan(scale) else math.nan,
        ssr=ssr,
        llf=llf,
        aic=-2 * llf + 2 * (df_model + k_const),
        bic=-2 * llf + math.log(n) * (df_model + k_const),
        condition_number=condition_number,
        nobs=n,
        df_model=df_model,
        df_resid=df_resid,
        rank=rank,
        cov_type=cov_type,
        use_t=use_t,
        resid=readonly(resid),
        **_diagnostics(resid, reasons),
        reasons=tuple(reasons),
        fit_intercept=bool(fit.fit_intercept),
    )


def _fit_reasons(fit, k: int, df_resid: float, exact: bool) -> list[str]:
    """Why the standard errors are less than they seem, or NaN, or 0: collinear columns, no df, an exact fit."""
    reasons = []
    if fit.collinear:
        reasons.append(
            f"rank {fit.rank} < {k} parameters: {', '.join(fit.collinear)} are collinear, so their coefficients "
            "are the least-norm solution and their standard errors come from the pseudo-inverse"
        )
    if df_resid == 0:
        reasons.append(
            f"no residual degrees of freedom: n = rank = {fit.rank}, so sigma and the standard errors are NaN"
        )
    elif exact:
        reasons.append(
            "an exact fit: the residuals are rounding noise, so sigma and the standard errors are 0, "
            "t is infinite (0 for a zero coefficient) and p is 0 (1)"
        )
    return reasons


def _names(feature_names, d: int, fit_intercept: bool) -> tuple[str, ...]:
    return check_names("feature_names", feature_names, d) + ((INTERCEPT_NAME,) if fit_intercept else ())


def _residuals(Xa: np.ndarray, y: np.ndarray, params: np.ndarray) -> np.ndarray:
    """``y - Xa params`` accumulated in extended precision, so that a near-exact fit keeps its residuals' digits."""
    ext = np.longdouble
    return np.asarray(y.astype(ext) - Xa.astype(ext) @ params.astype(ext), dtype=np.float64)


def _inverse_factor(Xa: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``G`` with ``G G' = (Xa'Xa)^+``, the left singular vectors ``U`` of its column space, its singular values.

    At full rank the SVD is of ``Xa`` with each column divided by a power of two near
    its norm (exact in binary), so that ``G = D^-1 V S^-1`` keeps the digits the columns'
    scales would take. At rank deficiency the scaling would change the pseudo-inverse:
    ``G = V S^-1`` from the SVD of ``Xa`` itself, over its ``rank`` largest singular values.
    """
    s_all = np.linalg.svd(Xa, compute_uv=False)
    k = Xa.shape[1]
    scale = _power_of_two_norms(Xa) if rank == k else np.ones(k)
    U, s, Vt = np.linalg.svd(Xa / scale, full_matrices=False)
    G = (Vt[:rank].T / s[:rank]) / scale[:, None]
    return G, U[:, :rank], s_all


def _power_of_two_norms(A: np.ndarray) -> np.ndarray:
    """For each column, a power of two near its norm (1.0 for a zero column)."""
    norms = np.linalg.norm(A, axis=0)
    with np.errstate(divide="ignore"):
        return np.where(norms > 0, np.exp2(np.round(np.log2(np.where(norms > 0, norms, 1.0)))), 1.0)


def _robust_cov(G, U, resid, cov_type: str, df_resid: float, reasons: list) -> np.ndarray:
    """White's sandwich ``P diag(w) P'``, ``P = Xa^+ = G U'``, with the weights of HC0..HC3 (statsmodels' ``cov_HC*``).

    ``df_resid`` > 0. An observation of leverage 1 (its own parameter, in effect) makes
    HC2 and HC3 divide by zero: their standard errors are then NaN, with a reason.
    """
    n = resid.shape[0]
    w = resid * resid
    if cov_type == "HC1":
        w = w * (n / df_resid)
    elif cov_type in ("HC2", "HC3"):
        h = np.sum(U * U, axis=1)  # leverages
        room = 1.0 - h
        full = room <= 1e-12
        if np.any(full):
            reasons.append(
                f"{cov_type} is undefined: {int(np.count_nonzero(full))} observation(s) have leverage 1, "
                "so their residual carries no information; the robust standard errors are NaN"
            )
        with np.errstate(all="ignore"):
            w = np.where(full, math.nan, w / (room if cov_type == "HC2" else room * room))
    P = G @ U.T
    return (P * w) @ P.T


def _t_test(params: np.ndarray, bse: np.ndarray, use_t: bool, df_resid: float) -> tuple[np.ndarray, np.ndarray]:
    """t statistics and two-sided p-values.

    A zero standard error (an exact fit) gives t = ±inf and p = 0, or t = 0 and p = 1 for a coefficient of exactly 0.
    """
    from scipy import stats

    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(bse > 0, params / np.where(bse > 0, bse, 1.0), np.sign(params) * math.inf)
        t = np.where((bse == 0) & (params == 0), 0.0, t)
        t = np.where(np.isnan(bse), math.nan, t)
    if use_t:
        p = 2 * stats.t.sf(np.abs(t), df_resid) if df_resid > 0 else np.full(t.shape, math.nan)
    else:
        p = 2 * stats.norm.sf(np.abs(t))
    return t, p


def _rsquared(ssr: float, tss: float, n: int, k_const: int, df_resid: float, reasons: list) -> tuple[float, float]:
    """R² (centred with an intercept, uncentred without) and the adjusted R²."""
    if tss == 0:
        what = "y is constant" if k_const else "y is all zero"
        reasons.append(f"{what}: R² and the adjusted R² are undefined (0 / 0), NaN")
        return math.nan, math.nan
    rsquared = 1.0 - ssr / tss
    if df_resid == 0:
        return rsquared, math.nan
    return rsquared, 1.0 - (n - k_const) / df_resid * (1.0 - rsquared)


def _f_test(params, cov, ssr, ess, df_model, df_resid, k_const, use_t, reasons) -> tuple[float, float]:
    """The F test that every coefficient but the intercept is zero: the ANOVA ratio, or the Wald test robustly."""
    from scipy import stats

    if df_model == 0 or df_resid == 0:
        reasons.append(
            "no F test: "
            + ("the model has nothing beyond the intercept" if df_model == 0 else "no residual degrees of freedom")
        )
        return math.nan, math.nan
    if use_t:
        if ssr == 0:
            return math.inf, 0.0
        fvalue, df_num = (ess / df_model) / (ssr / df_resid), df_model
    else:
        keep = np.arange(params.shape[0] - k_const)  # the intercept is the last parameter
        sub = cov[np.ix_(keep, keep)]
        if not np.all(np.isfinite(sub)):
            return math.nan, math.nan
        b = params[keep]
        fvalue_num = float(b @ np.linalg.pinv(sub) @ b)
        df_num = float(np.linalg.matrix_rank(sub))  # statsmodels' f_test counts the restrictions so
        if df_num == 0:
            return (math.inf, 0.0) if np.any(b) else (math.nan, math.nan)
        fvalue = fvalue_num / df_num
    return float(fvalue), float(stats.f.sf(fvalue, df_num, df_resid))


def _llf(ssr: float, n: int) -> float:
    """The Gaussian log-likelihood with sigma profiled out; +inf for an exact fit."""
    if ssr == 0:
        return math.inf
    return -n / 2 * math.log(2 * math.pi) - n / 2 * math.log(ssr / n) - n / 2


def _diagnostics(resid: np.ndarray, reasons: list) -> dict[str, float]:
    """Durbin-Watson, Jarque-Bera and D'Agostino's omnibus test of the residuals, as statsmodels' summary has them."""
    from scipy import stats

    n = resid.shape[0]
    squares = float(resid @ resid)
    if squares == 0:
        reasons.append("the residuals are all zero: Durbin-Watson, Jarque-Bera and the omnibus test are NaN")
        nan = math.nan
        return dict(
            durbin_watson=nan, jarque_bera=nan, jb_pvalue=nan, skew=nan, kurtosis=nan, omnibus=nan, omnibus_pvalue=nan
        )
    dw = float(np.sum(np.diff(resid) ** 2) / squares)
    skew = float(stats.skew(resid))
    kurtosis = 3.0 + float(stats.kurtosis(resid))
    jb = n / 6.0 * (skew**2 + (kurtosis - 3.0) ** 2 / 4.0)
    if n >= 8:
        omnibus, omnibus_p = (float(v) for v in stats.normaltest(resid))
    else:
        reasons.append(f"the omnibus test needs at least 8 residuals, got {n}: NaN")
        omnibus, omnibus_p = math.nan, math.nan
    return dict(
        durbin_watson=dw,
        jarque_bera=float(jb),
        jb_pvalue=float(stats.chi2.sf(jb, 2)),
        skew=skew,
        kurtosis=kurtosis,
        omnibus=omnibus,
        omnibus_pvalue=omnibus_p,
    )


def _check_alpha(alpha) -> float:
    return check_float("alpha", alpha, low=0.0, high=1.0, low_open=True, high_open=True)


def _quantile(alpha: float, use_t: bool, df_resid: float) -> float:
    """The two-sided ``1 - alpha`` quantile of t(df_resid), or of the normal distribution; NaN without df."""
    from scipy import stats

    if not use_t:
        return float(stats.norm.ppf(1 - alpha / 2))
    return float(stats.t.ppf(1 - alpha / 2, df_resid)) if df_resid > 0 else math.nan
