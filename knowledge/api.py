"""`GET /v1/catalog/search`: a thin view over `knowledge.search`."""

from django.core.validators import RegexValidator
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from knowledge.search import search_products
from products_and_services.models import Product
from tenants.permissions import current_tenant
from tenants.scopes import CATALOG_READ

MAX_LIMIT = 50
MAX_QUERY_LENGTH = 500


class SearchQuery(serializers.Serializer):
    # Not trimmed, so the length and the pattern the schema states are the ones checked.
    q = serializers.CharField(
        max_length=MAX_QUERY_LENGTH,
        trim_whitespace=False,
        validators=[RegexValidator(r"^[^\x00]*[^\s\x00][^\x00]*$", "This field may not be blank.")],
        help_text="What to look for.",
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=MAX_LIMIT, default=10, help_text="How many results (default 10)."
    )


class SearchProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = (
            "id",
            "name",
            "sku",
            "short_description",
            "price",
            "sale_price",
            "currency",
            "stock_quantity",
            "website_url",
            "categories",
            "tags",
        )
        read_only_fields = fields


class SearchHitSerializer(serializers.Serializer):
    product = SearchProductSerializer()
    score = serializers.FloatField()


class SearchResponse(serializers.Serializer):
    query = serializers.CharField()
    mode = serializers.ChoiceField(choices=["semantic", "keyword"])
    results = SearchHitSerializer(many=True)


SEARCH_EXAMPLE = OpenApiExample(
    "Semantic results",
    value={
        "query": "waterproof tent for two",
        "mode": "semantic",
        "results": [
            {
                "product": {
                    "id": 17,
                    "name": "Trail Tent 2P",
                    "sku": "TENT-2P",
                    "short_description": "Light two-person tent",
                    "price": "189.50",
                    "sale_price": None,
                    "currency": "USD",
                    "stock_quantity": 12,
                    "website_url": "https://shop.example.com/tent-2p",
                    "categories": ["Tents"],
                    "tags": ["waterproof"],
                },
                "score": 0.83125,
            }
        ],
    },
    response_only=True,
)


class CatalogSearchView(APIView):
    """Rank the tenant's active products by similarity to `q`, or by keyword without an index."""

    read_scope = CATALOG_READ

    @extend_schema(
        summary="Search the catalog",
        description=(
            "Semantic search over the knowledge index when the tenant's products are embedded "
            "(`mode: semantic`, score = cosine similarity of the best chunk); otherwise, or "
            "when indexing is off or the embeddings service fails, keyword search over name, "
            "SKU and descriptions (`mode: keyword`). Only the caller's tenant is searched."
        ),
        parameters=[SearchQuery],
        responses={200: SearchResponse},
        tags=["catalog"],
        examples=[SEARCH_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        # A plain dict: from a QueryDict DRF reads `limit=` as "not given" and uses the default.
        params = SearchQuery(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        query = params.validated_data["q"].strip()
        result = search_products(
            tenant=current_tenant(request).tenant,
            query=query,
            limit=params.validated_data["limit"],
        )
        body = {
            "query": query,
            "mode": result.mode,
            "results": [
                {"product": SearchProductSerializer(hit.product).data, "score": hit.score}
                for hit in result.hits
            ],
        }
        return Response(body)
